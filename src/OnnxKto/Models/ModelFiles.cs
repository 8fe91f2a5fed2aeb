namespace OnnxKto.Models;

/// <summary>
/// File names in a model folder, as Hugging Face transformers and ONNX Runtime GenAI lay it out: what checkpoint
/// loading reads, what export writes and what generation opens.
/// </summary>
internal static class ModelFiles
{
    /// <summary>The Hugging Face model configuration.</summary>
    public const string Config = "config.json";

    /// <summary>Weights in one file, under Hugging Face names.</summary>
    public const string Weights = "model.safetensors";

    /// <summary>The index of sharded weights (tensor name → shard file).</summary>
    public const string WeightsIndex = "model.safetensors.index.json";

    /// <summary>The exported ONNX decoder (weights beside it in <c>model.onnx.data</c>).</summary>
    public const string Onnx = "model.onnx";

    /// <summary>ONNX Runtime's optimized copy of <see cref="Onnx"/> (ORT-specific fused operators).</summary>
    public const string OptimizedOnnx = "model.optimized.onnx";

    /// <summary>ONNX Runtime GenAI's configuration.</summary>
    public const string GenAiConfig = "genai_config.json";

    /// <summary>Tokenizer (and generation) files an export copies from the model folder when present.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
    [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt",
        "tokenizer.model", "added_tokens.json", "generation_config.json",
    ];
}
