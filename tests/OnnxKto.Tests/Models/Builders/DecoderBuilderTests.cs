using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Builders;

[TestClass]
public sealed class DecoderBuilderTests
{
    // Row 0 is full, row 1 right-padded, row 2 left-padded.
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, 4, 0, 0, 0, 0, 6, 2, 9];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1];
    private const int Batch = 3, Seq = 5;

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    [DataRow("qwen2")]
    [DataRow("llama3-rope")]
    [DataRow("yarn-rope")]
    [DataRow("linear-rope")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("qwen2-sliding")]
    public void LogitsMatchFloat64Reference(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        var model = ModelBuilders.For(config).Build();
        var weights = TinyModels.RandomWeights(model.Parameters, seed: 5);

        var feeds = new Dictionary<string, TensorData>(weights)
        {
            ["input_ids"] = TensorData.FromLongs([Batch, Seq], Ids),
            ["attention_mask"] = TensorData.FromLongs([Batch, Seq], Mask),
        };
        using var session = new OnnxSession(model.Graph);
        var logits = session.Run(feeds, ["logits"])["logits"];
        CollectionAssert.AreEqual(new long[] { Batch, Seq, config.VocabSize }, logits.Dims);

        var reference = ReferenceTransformer.Logits(config, weights.ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened()), Ids, Mask, Batch, Seq);
        var actual = logits.ToFloats();
        double scale = reference.Max(Math.Abs);
        for (int r = 0; r < Batch * Seq; r++)
        {
            if (Mask[r] == 0) continue; // padding positions carry no meaning
            for (int v = 0; v < config.VocabSize; v++)
            {
                int i = r * config.VocabSize + v;
                Assert.AreEqual(reference[i], actual[i], 1e-5 * scale, $"{architecture}: logit [{r / Seq}, {r % Seq}, {v}]");
            }
        }
    }

    [TestMethod]
    [DataRow("gpt2", 2 + 2 * 12 + 2)]
    [DataRow("llama", 1 + 2 * 9 + 2)]
    [DataRow("qwen2", 1 + 2 * 12 + 1)]
    public void ParametersAreNamedAsInHuggingFace(string architecture, int expectedCount)
    {
        var model = ModelBuilders.For(TinyModels.ByName(architecture)).Build();
        var names = model.Parameters.Select(p => p.Name).ToList();
        Assert.AreEqual(expectedCount, names.Count, string.Join(", ", names));
        CollectionAssert.AllItemsAreUnique(names);
        if (architecture == "gpt2")
        {
            CollectionAssert.Contains(names, "transformer.h.1.attn.c_attn.weight");
            CollectionAssert.DoesNotContain(names, "lm_head.weight");
        }
        else
        {
            CollectionAssert.Contains(names, "model.layers.1.self_attn.k_proj.weight");
            Assert.AreEqual(architecture == "llama", names.Contains("lm_head.weight"));
            Assert.AreEqual(architecture == "qwen2", names.Contains("model.layers.0.self_attn.q_proj.bias"));
        }
        Assert.IsTrue(model.Parameters.Where(p => p.Name.EndsWith(".bias") || p.Name.Contains("norm") || p.Name.Contains("ln_")).All(p => !p.Decay),
            "biases and normalisation weights are excluded from weight decay");
    }

    /// <summary>
    /// Node names read like the Hugging Face module tree, as ONNX Runtime GenAI names them: each projection, norm and
    /// embedding opens its own scope under its layer and block.
    /// </summary>
    [TestMethod]
    [DataRow("llama", "/layers.0/attn/q_proj/Gemm", "/layers.1/mlp/down_proj/Gemm", "/layers.0/input_layernorm/", "/norm/", "/lm_head/Gemm")]
    [DataRow("gpt2", "/layers.0/attn/c_attn/Gemm", "/layers.1/mlp/c_proj/Gemm", "/layers.0/ln_1/LayerNormalization", "/ln_f/LayerNormalization", "/wte/Gather")]
    public void NodesAreNamedAfterTheirModules(string architecture, params string[] expected)
    {
        var graph = ModelBuilders.For(TinyModels.ByName(architecture)).Build().Graph;
        var names = graph.Nodes.Select(n => n.Name).ToList();
        foreach (var name in expected)
            Assert.IsTrue(names.Any(n => n.StartsWith(name, StringComparison.Ordinal)), $"{architecture}: no node named {name}...; nodes: {string.Join(", ", names.Take(40))}");

        // Every projection's scope is the module whose weight it reads: model.layers.0.self_attn.q_proj.weight → .../q_proj/Gemm.
        var projections = graph.Nodes.Where(n => n.OpType == "Gemm" && n.Inputs[1]!.Name.StartsWith(architecture == "gpt2" ? "transformer.h." : "model.layers.")).ToList();
        Assert.AreEqual(architecture == "gpt2" ? 2 * 4 : 2 * 7, projections.Count);
        foreach (var node in projections)
        {
            var module = node.Inputs[1]!.Name.Split('.');                          // [prefix, h|layers, i, block, leaf, weight]
            Assert.AreEqual($"/layers.{module[2]}/{(module[3] == "mlp" ? "mlp" : "attn")}/{module[4]}/Gemm", node.Name);
        }
    }
}
