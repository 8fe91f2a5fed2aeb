using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;

namespace OnnxKto.Tests.TestUtil;

/// <summary>Tiny configurations of each architecture and random weights large enough to make every term matter.</summary>
public static class TinyModels
{
    public static ModelConfig Gpt2 { get; } = new()
    {
        ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = 11, HiddenSize = 8, NumLayers = 2, NumHeads = 2,
        NumKvHeads = 2, HeadDim = 4, IntermediateSize = 12, MaxPositions = 16, TieWordEmbeddings = true, AttentionBias = true,
        EosTokenId = 10,
    };

    /// <summary>Grouped-query attention (4 query heads over 2 kv heads), separate head.</summary>
    public static ModelConfig Llama { get; } = new()
    {
        ModelType = "llama", Family = ModelFamily.Llama, VocabSize = 11, HiddenSize = 8, NumLayers = 2, NumHeads = 4,
        NumKvHeads = 2, HeadDim = 2, IntermediateSize = 10, MaxPositions = 64, NormEpsilon = 1e-6, RopeTheta = 10000,
        TieWordEmbeddings = false, EosTokenId = 10,
    };

    /// <summary>q/k/v biases and a tied head.</summary>
    public static ModelConfig Qwen2 { get; } = Llama with
    {
        ModelType = "qwen2", NumHeads = 2, NumKvHeads = 1, HeadDim = 4, AttentionBias = true, TieWordEmbeddings = true, RopeTheta = 1e6,
    };

    public static ModelConfig ByName(string name) => name switch
    {
        "gpt2" => Gpt2,
        "llama" => Llama,
        "qwen2" => Qwen2,
        _ => throw new ArgumentException(name),
    };

    /// <summary>Float32 weights (as fed to ORT) for every parameter: N(0, 0.3), norm weights near 1.</summary>
    public static Dictionary<string, TensorData> RandomWeights(IEnumerable<ParameterSpec> parameters, int seed)
    {
        var rng = new Random(seed);
        return parameters.ToDictionary(p => p.Name, p => TensorData.FromFloats(p.Shape,
            Enumerable.Range(0, (int)p.ElementCount).Select(_ =>
                (float)((p.Init == ParameterInit.Ones ? 1 : 0) + (p.Init == ParameterInit.Normal ? 0.3 : 0.1) * (2 * rng.NextDouble() - 1) * 1.7)).ToArray()));
    }
}
