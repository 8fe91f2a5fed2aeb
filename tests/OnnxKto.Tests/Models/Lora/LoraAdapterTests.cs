using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Lora;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Lora;

[TestClass]
public sealed class LoraAdapterTests
{
    /// <summary>W [out=2, in=3], A [r=1, 3], B [2, 1], α/r = 2: W' = W + 2·B·A worked by hand, and the same onto GPT-2's [in, out] layout.</summary>
    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void MergeAddsTheScaledProductByHand(bool outIn)
    {
        var settings = new LoraSettings { UsePeft = true, R = 1, Alpha = 2 };
        var layer = new LoraLayer("m", InFeatures: 3, OutFeatures: 2, WeightIsOutIn: outIn, Scaling: 2);
        // B·A = [[1·1, 1·2, 1·3], [−1·1, −1·2, −1·3]] → W + 2·B·A.
        float[] w = [1, 2, 3, 4, 5, 6], expected = [3, 6, 9, 2, 1, 0];
        var weights = new Dictionary<string, TensorData>
        {
            ["m.weight"] = outIn ? TensorData.FromFloats([2, 3], w) : TensorData.FromFloats([3, 2], Transpose(w, 2, 3)),
            ["m.lora_A.weight"] = TensorData.FromFloats([1, 3], [1, 2, 3]),
            ["m.lora_B.weight"] = TensorData.FromFloats([2, 1], [1, -1]),
            ["other.weight"] = TensorData.FromFloats([1], [7]),
        };
        var merged = LoraAdapter.From(settings, [layer], weights).Merge(weights);
        CollectionAssert.AreEquivalent(new[] { "m.weight", "other.weight" }, merged.Keys.ToArray(), "adapter tensors are not part of the merged model");
        CollectionAssert.AreEqual(outIn ? expected : Transpose(expected, 2, 3), merged["m.weight"].ToFloats());
    }

    /// <summary>With random (non-zero) A and B on every linear layer, the base graph on merged weights gives the LoRA graph's logits.</summary>
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    [DataRow("qwen2")]
    public void MergedBaseGivesTheAdapterModelsLogits(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        var settings = new LoraSettings { UsePeft = true, R = 2, Alpha = 5, TargetModules = [LoraSettings.AllLinear] };
        var lora = ModelBuilders.For(config).Build(new DecoderOptions { Lora = settings });
        var weights = TinyModels.RandomWeights(lora.Parameters, seed: 8);
        var merged = LoraAdapter.From(settings, lora.LoraLayers, weights).Merge(weights);

        var expected = Logits(lora.Graph, weights);
        var actual = Logits(ModelBuilders.For(config).Build().Graph, merged);
        double scale = expected.Max(Math.Abs);
        var unmerged = weights.Where(w => !LoraLayer.IsAdapterParameter(w.Key)).ToDictionary(w => w.Key, w => w.Value);
        Assert.IsTrue(expected.Zip(Logits(ModelBuilders.For(config).Build().Graph, unmerged)).Any(p => Math.Abs(p.First - p.Second) > 1e-3 * scale),
            "the adapters change the model, so the comparison means something");
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"{architecture}: logit {i}");
    }

    private static float[] Logits(Graph graph, IReadOnlyDictionary<string, TensorData> weights)
    {
        using var session = new OnnxSession(graph, optimize: false);
        var feeds = new Dictionary<string, TensorData>(weights)
        {
            ["input_ids"] = TensorData.FromLongs([2, 4], [1, 5, 9, 2, 7, 3, 8, 4]),
            ["attention_mask"] = TensorData.FromLongs([2, 4], [1, 1, 1, 1, 1, 1, 1, 0]),
        };
        return session.Run(feeds, ["logits"])["logits"].ToFloats();
    }

    private static float[] Transpose(float[] m, int rows, int columns) =>
        Enumerable.Range(0, rows * columns).Select(j => m[(j % rows) * columns + j / rows]).ToArray();
}
