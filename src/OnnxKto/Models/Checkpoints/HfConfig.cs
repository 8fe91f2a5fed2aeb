using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Maps a Hugging Face <c>config.json</c> onto <see cref="ModelConfig"/>: the one place where Hugging Face key
/// names (<c>n_embd</c>, <c>hidden_size</c>, ...) and their defaults are known.
/// </summary>
internal static partial class HfConfig
{
    // gpt2, one row per Llama-family variant (LlamaVariants, HfConfig.Llama.cs), Gemma (HfConfig.Gemma.cs) and Phi-3
    // (HfConfig.Phi3.cs). A property, not a field: static field initialisers in different files of a partial class run
    // in no promised order.
    private static IEnumerable<string> SupportedTypes => LlamaVariants.Keys.Prepend("gpt2").Concat(["gemma2", "gemma3_text", "phi3"]);

    /// <summary>Reads <paramref name="configPath"/> (a Hugging Face <c>config.json</c>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Invalid JSON, or a key missing, wrongly typed or out of range (the message names the key and the file).</exception>
    /// <exception cref="NotSupportedException">An unsupported <c>model_type</c>, <c>rope_scaling</c>, sliding window or activation.</exception>
    public static ModelConfig Load(string configPath)
    {
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"Model config '{configPath}' does not exist; a Hugging Face checkpoint folder holds it as config.json.", configPath);
        return Map(JsonFields.Load(configPath));
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">Invalid JSON, or a key missing, wrongly typed or out of range.</exception>
    /// <exception cref="NotSupportedException">An unsupported <c>model_type</c>, <c>rope_scaling</c>, sliding window or activation.</exception>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Map(new JsonFields(doc.RootElement, source));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The Hugging Face <c>config.json</c> text of <paramref name="config"/> (e.g. for a model trained from a preset),
    /// written with the keys <see cref="Parse"/> reads, so <c>Parse(ToJson(c)) == c</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A combination Hugging Face's config for that model type cannot express
    /// (e.g. q/k/v biases on a <c>mistral</c> model).</exception>
    public static string ToJson(ModelConfig config)
    {
        if (!SupportedTypes.Contains(config.ModelType))
            throw new NotSupportedException($"model_type '{config.ModelType}' has no Hugging Face config mapping; supported: {string.Join(", ", SupportedTypes)}.");
        var json = new JsonObject { ["model_type"] = config.ModelType };
        if (config.Family == ModelFamily.Gemma) WriteGemma(config, json);
        else if (config.Family == ModelFamily.Phi3) WritePhi3(config, json);
        else if (config.Family == ModelFamily.Gpt2)
        {
            json["architectures"] = new JsonArray("GPT2LMHeadModel");
            json["vocab_size"] = config.VocabSize;
            json["n_embd"] = config.HiddenSize;
            json["n_layer"] = config.NumLayers;
            json["n_head"] = config.NumHeads;
            json["n_inner"] = config.IntermediateSize;
            json["n_positions"] = config.MaxPositions;
            json["n_ctx"] = config.MaxPositions;
            json["layer_norm_epsilon"] = config.NormEpsilon;
            json["activation_function"] = "gelu_new";
            json["tie_word_embeddings"] = true;
        }
        else
            WriteLlama(config, json);
        json["bos_token_id"] = config.BosTokenId;
        json["eos_token_id"] = config.EosTokenId;
        json["pad_token_id"] = config.PadTokenId;
        json["torch_dtype"] = "float32";
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static ModelConfig Map(JsonFields json)
    {
        string modelType = json.String("model_type");
        if (modelType == "gemma3")
            throw new NotSupportedException(
                $"{json.Source}: model_type 'gemma3' is Gemma 3's image-and-text checkpoint (Gemma3ForConditionalGeneration), whose " +
                "language model OnnxKto does not read out of it; use a text-only Gemma 3 checkpoint (model_type 'gemma3_text', e.g. google/gemma-3-1b-it).");
        if (!SupportedTypes.Contains(modelType))
            throw new NotSupportedException(
                $"{json.Source}: model_type '{modelType}' is not supported; supported model types: {string.Join(", ", SupportedTypes)}.");
        var config = modelType switch
        {
            "gpt2" => Gpt2(json, modelType),
            "gemma2" or "gemma3_text" => Gemma(json, modelType),
            "phi3" => Phi3(json, modelType),
            _ => Llama(json, modelType),
        };
        Check(json, "num_attention_heads / num_key_value_heads", config.NumHeads % config.NumKvHeads == 0,
            $"{config.NumHeads} query heads cannot be shared evenly by {config.NumKvHeads} key/value heads");
        return config;
    }

    private static ModelConfig Gpt2(JsonFields json, string modelType)
    {
        string activation = json.OptionalString("activation_function") ?? "gelu_new";
        if (activation != "gelu_new")
            throw new NotSupportedException($"{json.Source}: activation_function '{activation}' is not supported; GPT-2 models use 'gelu_new' (tanh-approximate GELU).");
        int hidden = Positive(json, "n_embd");
        int heads = Positive(json, "n_head");
        Check(json, "n_embd", hidden % heads == 0, $"n_embd {hidden} is not divisible by n_head {heads}");
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Gpt2,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            NumLayers = Positive(json, "n_layer"),
            NumHeads = heads,
            NumKvHeads = heads,
            HeadDim = hidden / heads,
            IntermediateSize = json.OptionalInt("n_inner") ?? 4 * hidden,
            MaxPositions = Positive(json, "n_positions"),
            NormEpsilon = json.OptionalDouble("layer_norm_epsilon") ?? 1e-5,
            TieWordEmbeddings = true,
            AttentionBias = true,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
    }

    private static int Positive(JsonFields json, string key)
    {
        int value = json.Int(key);
        Check(json, key, value > 0, $"{key} is {value}; it must be positive");
        return value;
    }

    private static void Check(JsonFields json, string key, bool ok, string problem)
    {
        if (!ok)
            throw new InvalidDataException($"{json.Source}: {problem} (key '{key}').");
    }
}
