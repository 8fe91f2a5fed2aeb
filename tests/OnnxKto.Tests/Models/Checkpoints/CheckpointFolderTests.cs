using System.Text.Json;
using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class CheckpointFolderTests
{
    private const string Gpt2Config = """
        {"model_type": "gpt2", "n_embd": 4, "n_head": 2, "n_layer": 1, "n_positions": 8, "vocab_size": 5}
        """;

    private static string LlamaConfig(bool tied) => $$"""
        {"model_type": "llama", "hidden_size": 4, "num_attention_heads": 2, "num_key_value_heads": 1,
         "num_hidden_layers": 1, "intermediate_size": 6, "max_position_embeddings": 8, "vocab_size": 5,
         "tie_word_embeddings": {{(tied ? "true" : "false")}}}
        """;

    private static TensorData Counting(long[] dims, float start) =>
        TensorData.FromFloats(dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(i => start + i).ToArray());

    // A llama checkpoint as base-model files store it: no 'model.' prefix, with a rotary buffer and an untied head.
    private static Dictionary<string, TensorData> LlamaWeights() => new()
    {
        ["embed_tokens.weight"] = Counting([5, 4], 0),
        ["layers.0.self_attn.q_proj.weight"] = Counting([4, 4], 100),
        ["layers.0.self_attn.k_proj.weight"] = Counting([2, 4], 200),
        ["layers.0.self_attn.rotary_emb.inv_freq"] = Counting([1], 1),
        ["layers.0.mlp.down_proj.weight"] = Counting([4, 6], 300),
        ["norm.weight"] = Counting([4], 400),
        ["lm_head.weight"] = Counting([5, 4], 500),
    };

    [TestMethod]
    public void Gpt2BaseModelNamesGetThePrefixAndMaskBuffersAreSkipped()
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", Gpt2Config);
        var stored = new Dictionary<string, TensorData>
        {
            ["wte.weight"] = Counting([5, 4], 0),
            ["wpe.weight"] = Counting([8, 4], 20),
            ["h.0.attn.c_attn.weight"] = Counting([4, 12], 60),
            ["h.0.attn.c_attn.bias"] = Counting([12], 110),
            ["h.0.attn.bias"] = Counting([1, 1, 8, 8], 0),
            ["h.0.attn.masked_bias"] = TensorData.FromFloats([], [-1e4f]),
            ["ln_f.weight"] = Counting([4], 130),
        };
        SafetensorsWriter.Write(dir.File("model.safetensors"), stored);

        var checkpoint = CheckpointFolder.Load(dir.Path);

        CollectionAssert.AreEquivalent(
            new[] { "transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn.bias", "transformer.ln_f.weight" },
            checkpoint.Weights.Keys.ToArray());
        CollectionAssert.AreEqual(new long[] { 4, 12 }, checkpoint.Weights["transformer.h.0.attn.c_attn.weight"].Dims, "Conv1D weights keep their [in, out] layout");
        CollectionAssert.AreEqual(stored["h.0.attn.c_attn.bias"].Bytes.ToArray(), checkpoint.Weights["transformer.h.0.attn.c_attn.bias"].Bytes.ToArray());
        Assert.AreEqual(2, checkpoint.Config.NumHeads);
        Assert.AreEqual(Path.GetFullPath(dir.Path), checkpoint.Directory);
    }

    [TestMethod]
    public void ShardedFolderLoadsTheSameWeightsAsOneFile()
    {
        using var single = new TempFolder();
        using var sharded = new TempFolder();
        var weights = LlamaWeights();
        single.WriteText("config.json", LlamaConfig(tied: false));
        SafetensorsWriter.Write(single.File("model.safetensors"), weights);

        sharded.WriteText("config.json", LlamaConfig(tied: false));
        var names = weights.Keys.ToArray();
        var shard1 = names.Take(3).ToDictionary(n => n, n => weights[n]);
        var shard2 = names.Skip(3).ToDictionary(n => n, n => weights[n]);
        SafetensorsWriter.Write(sharded.File("model-00001-of-00002.safetensors"), shard1);
        SafetensorsWriter.Write(sharded.File("model-00002-of-00002.safetensors"), shard2);
        var map = shard1.Keys.ToDictionary(n => n, _ => "model-00001-of-00002.safetensors");
        foreach (var n in shard2.Keys)
            map[n] = "model-00002-of-00002.safetensors";
        sharded.WriteText("model.safetensors.index.json", JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = map }));

        var a = CheckpointFolder.Load(single.Path);
        var b = CheckpointFolder.Load(sharded.Path);

        CollectionAssert.AreEquivalent(
            new[] { "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
                    "model.layers.0.mlp.down_proj.weight", "model.norm.weight", "lm_head.weight" },
            a.Weights.Keys.ToArray());
        CollectionAssert.AreEquivalent(a.Weights.Keys.ToArray(), b.Weights.Keys.ToArray());
        foreach (var (name, tensor) in a.Weights)
            CollectionAssert.AreEqual(tensor.Bytes.ToArray(), b.Weights[name].Bytes.ToArray(), name);
        CollectionAssert.AreEqual(weights["lm_head.weight"].Bytes.ToArray(), a.Weights["lm_head.weight"].Bytes.ToArray());
    }

    [TestMethod]
    [DataRow(false, 0)]
    [DataRow(true, 1)]
    public void TiedHeadIsDroppedAndWarnsWhenItDiffers(bool headDiffers, int expectedWarnings)
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", LlamaConfig(tied: true));
        var weights = LlamaWeights();
        if (!headDiffers)
            weights["lm_head.weight"] = weights["embed_tokens.weight"];
        SafetensorsWriter.Write(dir.File("model.safetensors"), weights);

        var checkpoint = CheckpointFolder.Load(dir.Path);

        Assert.IsFalse(checkpoint.Weights.ContainsKey("lm_head.weight"));
        Assert.IsTrue(checkpoint.Weights.ContainsKey("model.embed_tokens.weight"));
        Assert.AreEqual(expectedWarnings, checkpoint.Warnings.Count);
    }

    [TestMethod]
    public void UntiedHeadMissingIsInvalidData()
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", LlamaConfig(tied: false));
        var weights = LlamaWeights();
        weights.Remove("lm_head.weight");
        SafetensorsWriter.Write(dir.File("model.safetensors"), weights);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointFolder.Load(dir.Path));
        StringAssert.Contains(e.Message, "lm_head.weight");
        StringAssert.Contains(e.Message, "tie_word_embeddings");
    }

    [TestMethod]
    public void TheSameTensorUnderTwoSpellingsIsInvalidData()
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", Gpt2Config);
        SafetensorsWriter.Write(dir.File("model.safetensors"), new Dictionary<string, TensorData>
        {
            ["wte.weight"] = Counting([5, 4], 0),
            ["transformer.wte.weight"] = Counting([5, 4], 0),
        });

        var e = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointFolder.Load(dir.Path));
        StringAssert.Contains(e.Message, "stored twice");
    }

    [TestMethod]
    [DataRow("../outside.safetensors")]
    [DataRow("/tmp/outside.safetensors")]
    [DataRow("sub/../../outside.safetensors")]
    public void ShardPathOutsideTheFolderIsRefused(string shard)
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", Gpt2Config);
        dir.WriteText("model.safetensors.index.json", JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["wte.weight"] = shard } }));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointFolder.Load(dir.Path));
        StringAssert.Contains(e.Message, "outside the checkpoint folder");
        StringAssert.Contains(e.Message, "'wte.weight'");
    }

    [TestMethod]
    public void ShardThatLacksAMappedTensorIsInvalidData()
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", Gpt2Config);
        SafetensorsWriter.Write(dir.File("a.safetensors"), new Dictionary<string, TensorData> { ["wte.weight"] = Counting([5, 4], 0) });
        dir.WriteText("model.safetensors.index.json", JsonSerializer.Serialize(new { weight_map = new Dictionary<string, string> { ["wte.weight"] = "a.safetensors", ["wpe.weight"] = "a.safetensors" } }));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => CheckpointFolder.Load(dir.Path));
        StringAssert.Contains(e.Message, "'wpe.weight'");
    }

    [TestMethod]
    public void FolderWithoutWeightsListsTheFilesLookedFor()
    {
        using var dir = new TempFolder();
        dir.WriteText("config.json", Gpt2Config);

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => CheckpointFolder.Load(dir.Path));
        StringAssert.Contains(e.Message, "model.safetensors and model.safetensors.index.json");
        StringAssert.Contains(e.Message, dir.Path);
    }
}
