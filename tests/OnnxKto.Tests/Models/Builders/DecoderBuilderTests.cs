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
}
