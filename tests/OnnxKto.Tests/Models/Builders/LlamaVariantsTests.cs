using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Builders;

/// <summary>
/// The Llama-family features of the 2026 families (rope scaling, q/k norms, post-norms, layers without RoPE, sliding
/// windows) on tiny configurations: float64 gradients against finite differences, and a check that each tiny
/// configuration makes its feature matter (so <see cref="DecoderBuilderTests.LogitsMatchFloat64Reference"/> would fail
/// without it).
/// </summary>
[TestClass]
public sealed class LlamaVariantsTests
{
    // Row 0 full, row 1 right-padded, row 2 left-padded; 5 tokens, longer than the sliding windows (2 and 3).
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, 4, 0, 0, 0, 0, 6, 2, 9];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1];
    private const int Batch = 3, Seq = 5;

    [TestMethod]
    [DataRow("llama3-rope")]
    [DataRow("yarn-rope")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("qwen2-sliding")]
    public void GradientsOfEveryParameterMatchFiniteDifferences(string name)
    {
        var model = ModelBuilders.For(TinyModels.ByName(name)).Build(new DecoderOptions { Precision = DataType.Double });
        var feeds = TinyModels.RandomWeights(model.Parameters, seed: 4)
            .ToDictionary(w => w.Key, w => TensorData.FromDoubles(w.Value.Dims, w.Value.ToDoublesWidened()));
        feeds["input_ids"] = TensorData.FromLongs([Batch, Seq], Ids);
        // Right padding only: a left-padded row's first queries see no key, and their softmax over −1e9 biases
        // swallows finite differences (s − 1e9 keeps about 7 digits of s).
        feeds["attention_mask"] = TensorData.FromLongs([Batch, Seq], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0]);
        GradientChecker.Check(model.Graph, "logits", feeds, model.Parameters.Select(p => p.Name).ToList(), maxElementsPerInput: 4);
    }

    /// <summary>The reference without the feature gives other logits on the same weights: the tiny configurations exercise it.</summary>
    [TestMethod]
    [DataRow("llama3-rope", "rope_scaling")]
    [DataRow("yarn-rope", "rope_scaling")]
    [DataRow("linear-rope", "rope_scaling")]
    [DataRow("qwen3", "qk_norm")]
    [DataRow("olmo2", "qk_norm")]
    [DataRow("smollm3", "no_rope_layers")]
    [DataRow("mistral-sliding", "sliding_window")]
    [DataRow("qwen2-sliding", "sliding_window")]
    public void EachTinyConfigurationMakesItsFeatureMatter(string name, string feature)
    {
        var config = TinyModels.ByName(name);
        var without = feature switch
        {
            "rope_scaling" => config with { RopeScaling = null },
            "qk_norm" => config with { QkNorm = QkNorm.None },
            "no_rope_layers" => config with { NoRopeLayers = LayerSet.None },
            _ => config with { SlidingWindow = null },
        };
        var weights = TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed: 5)
            .ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened());
        var with = ReferenceTransformer.Logits(config, weights, Ids, Mask, Batch, Seq);
        var plain = ReferenceTransformer.Logits(without, weights, Ids, Mask, Batch, Seq);
        double scale = with.Max(Math.Abs), largest = with.Zip(plain, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(largest > 1e-2 * scale, $"{name} without {feature}: logits move by {largest:E2} only (scale {scale:E2})");
    }
}
