using System.Text.Json;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models;

/// <summary>Hugging Face-layout folders written by the test, loaded end to end, against the float64 reference forward.</summary>
[TestClass]
public sealed class ModelSourceTests
{
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, 4, 0, 0];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];

    /// <summary>
    /// The 7B-class GPU row's preset has Llama-3-8B's 8,030,261,248 parameters (its published count, summed by hand in
    /// the preset's comment), and its largest tensor is the 128256 x 4096 embedding.
    /// </summary>
    [TestMethod]
    public void TheLlama3EightBPresetHasTheModelsParameterCount()
    {
        var parameters = ModelBuilders.For(Presets.Get("preset:llama3-8b")).Build().Parameters;

        Assert.AreEqual(8_030_261_248L, parameters.Sum(p => p.ElementCount));
        var largest = parameters.MaxBy(p => p.ElementCount)!;
        Assert.AreEqual(128256L * 4096, largest.ElementCount, largest.Name);
    }

    [TestMethod]
    [DataRow("gpt2", "f32")]
    [DataRow("llama", "f32")]
    [DataRow("qwen2", "f32")]
    [DataRow("llama", "bf16")]
    [DataRow("qwen2", "sharded")]
    public void FolderLogitsMatchTheFloat64Reference(string architecture, string layout)
    {
        using var dir = new TempFolder();
        var config = TinyModels.ByName(architecture);
        var weights = TinyRuns.WriteModelFolder(dir.Path, config, seed: 8);
        if (layout == "bf16")
        {
            // Store BF16 (the upper 16 bits of each float32); the reference then uses the rounded values.
            weights = weights.ToDictionary(w => w.Key, w => TensorData.FromFloats(w.Value.Dims, w.Value.ToFloats().Select(TruncateToBf16).ToArray()));
            SafetensorsWriter.Write(dir.File("model.safetensors"), weights.ToDictionary(w => w.Key, w => ToBf16(w.Value)));
        }
        if (layout == "sharded") Shard(dir, weights);

        var source = ModelSource.Load(dir.Path);
        var model = ModelBuilders.For(source.Config).Build();
        var feeds = new Dictionary<string, TensorData>(source.Weights)
        {
            ["input_ids"] = TensorData.FromLongs([2, 5], Ids), ["attention_mask"] = TensorData.FromLongs([2, 5], Mask),
        };
        using var session = new OnnxSession(model.Graph);
        var actual = session.Run(feeds, ["logits"])["logits"].ToFloats();
        var reference = ReferenceTransformer.Logits(config, weights.ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened()), Ids, Mask, 2, 5);
        double scale = reference.Max(Math.Abs);
        for (int i = 0; i < reference.Length; i++)
            if (Mask[i / config.VocabSize] == 1)
                Assert.AreEqual(reference[i], actual[i], 1e-5 * scale, $"{architecture}/{layout}: logit {i}");
    }

    [TestMethod]
    public void WeightsThatDoNotFitTheConfigAreRefusedByName()
    {
        using var dir = new TempFolder();
        var config = TinyModels.Llama;
        var weights = TinyRuns.WriteModelFolder(dir.Path, config, seed: 8);
        weights["model.norm.weight"] = TensorData.FromFloats([3], [1, 1, 1]);
        SafetensorsWriter.Write(dir.File("model.safetensors"), weights);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ModelSource.Load(dir.Path));
        StringAssert.Contains(e.Message, "model.norm.weight");
        StringAssert.Contains(e.Message, "[3]");
    }

    private static float TruncateToBf16(float v) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000);

    private static TensorData ToBf16(TensorData t) => new(DataType.BFloat16, t.Dims,
        t.ToFloats().SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToUInt32Bits(v) >> 16))).ToArray());

    /// <summary>Splits the weights over two shards with an index, replacing model.safetensors.</summary>
    private static void Shard(TempFolder dir, Dictionary<string, TensorData> weights)
    {
        File.Delete(dir.File("model.safetensors"));
        var names = weights.Keys.Order().ToList();
        var map = new Dictionary<string, string>();
        for (int s = 0; s < 2; s++)
        {
            var file = $"model-0000{s + 1}-of-00002.safetensors";
            var part = names.Where((_, i) => i % 2 == s).ToDictionary(n => n, n => weights[n]);
            SafetensorsWriter.Write(dir.File(file), part);
            foreach (var n in part.Keys) map[n] = file;
        }
        File.WriteAllText(dir.File("model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
    }
}
