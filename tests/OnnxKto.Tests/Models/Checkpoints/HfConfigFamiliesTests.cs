using OnnxKto.Models;
using OnnxKto.Models.Builders.Rope;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

/// <summary>The config.json files of the 2026 families (published configs, abridged) and their rope and window keys.</summary>
[TestClass]
public sealed class HfConfigFamiliesTests
{
    // meta-llama/Llama-3.2-1B.
    private const string Llama32Json = """
        {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000,
         "eos_token_id": 128001, "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
         "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false, "model_type": "llama",
         "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
         "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0, "original_max_position_embeddings": 8192,
         "rope_type": "llama3"}, "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
         "vocab_size": 128256}
        """;

    // Qwen/Qwen3-0.6B: head_dim 128 while hidden_size / heads is 64.
    private const string Qwen3Json = """
        {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643,
         "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "initializer_range": 0.02,
         "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
         "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06, "rope_scaling": null,
         "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
         "use_sliding_window": false, "vocab_size": 151936}
        """;

    // HuggingFaceTB/SmolLM3-3B: every 4th layer without RoPE (no_rope_layers written out, here for 8 of its 36 layers).
    private const string SmolLm3Json = """
        {"architectures": ["SmolLM3ForCausalLM"], "attention_bias": false, "bos_token_id": null, "eos_token_id": 128012,
         "hidden_act": "silu", "hidden_size": 2048, "intermediate_size": 11008, "max_position_embeddings": 65536,
         "max_window_layers": 28, "mlp_bias": false, "model_type": "smollm3", "no_rope_layer_interval": 4,
         "no_rope_layers": [1, 1, 1, 0, 1, 1, 1, 0], "num_attention_heads": 16, "num_hidden_layers": 8, "num_key_value_heads": 4,
         "pad_token_id": 128004, "pretraining_tp": 2, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 5000000.0,
         "sliding_window": null, "use_sliding_window": false, "vocab_size": 128256}
        """;

    // allenai/OLMo-2-0425-1B.
    private const string Olmo2Json = """
        {"architectures": ["Olmo2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "eos_token_id": 100257,
         "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 8192,
         "max_position_embeddings": 4096, "model_type": "olmo2", "num_attention_heads": 16, "num_hidden_layers": 16,
         "num_key_value_heads": 16, "pad_token_id": 100277, "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 500000,
         "tie_word_embeddings": false, "torch_dtype": "float32", "use_cache": true, "vocab_size": 100352}
        """;

    private static string Tiny(string type, string extra) => $$"""
        {"model_type": "{{type}}", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 4,
         "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, {{extra}}}
        """;

    [TestMethod]
    public void Llama32MapsItsLlama3RopeScalingAndTiedHead()
    {
        var config = HfConfig.Parse(Llama32Json);
        Assert.AreEqual(new Llama3RopeScaling(32, 1, 4, 8192), config.RopeScaling);
        Assert.AreEqual(500000, config.RopeTheta);
        Assert.AreEqual(64, config.HeadDim);
        Assert.IsTrue(config.TieWordEmbeddings);
        Assert.AreEqual(Presets.Get("llama3.2-1b") with { BosTokenId = 128000, EosTokenId = 128001 }, config, "the preset is this shape");
    }

    [TestMethod]
    public void Qwen3MapsItsHeadDimAndPerHeadNorms()
    {
        var config = HfConfig.Parse(Qwen3Json);
        Assert.AreEqual(128, config.HeadDim);
        Assert.AreEqual(QkNorm.PerHead, config.QkNorm);
        Assert.IsFalse(config.AttentionBias);
        Assert.IsNull(config.SlidingWindow, "use_sliding_window is false");
        Assert.AreEqual(Presets.Get("qwen3-0.6b") with { BosTokenId = 151643, EosTokenId = 151645 }, config, "the preset is this shape");
    }

    [TestMethod]
    public void SmolLm3MapsItsLayersWithoutRope()
    {
        var config = HfConfig.Parse(SmolLm3Json);
        Assert.AreEqual(LayerSet.Of([3, 7]), config.NoRopeLayers);
        Assert.IsTrue(config.TieWordEmbeddings, "SmolLM3Config ties by default");
        Assert.AreEqual(5e6, config.RopeTheta);
        Assert.AreEqual(LayerSet.Of([3, 7]), HfConfig.Parse(SmolLm3Json.Replace("\"no_rope_layers\": [1, 1, 1, 0, 1, 1, 1, 0], ", "")).NoRopeLayers,
            "without the list, every no_rope_layer_interval-th layer");
        Assert.AreEqual(Presets.Get("smollm3-3b") with { BosTokenId = null, EosTokenId = 128012, PadTokenId = 128004, NumLayers = 8, NoRopeLayers = LayerSet.Of([3, 7]) },
            config, "the preset is this shape");
    }

    [TestMethod]
    public void Olmo2MapsItsPostNormsAndProjectionNorms()
    {
        var config = HfConfig.Parse(Olmo2Json);
        Assert.AreEqual(NormPlacement.Post, config.NormPlacement);
        Assert.AreEqual(QkNorm.Projection, config.QkNorm);
        Assert.AreEqual(Presets.Get("olmo2-1b") with { BosTokenId = null, EosTokenId = 100257, PadTokenId = 100277 }, config, "the preset is this shape");
    }

    [TestMethod]
    public void YarnAndLinearScalingsMapFromRopeScalingOrRopeParameters()
    {
        var yarn = HfConfig.Parse(Tiny("qwen3", @"""rope_scaling"": {""rope_type"": ""yarn"", ""factor"": 4.0, ""original_max_position_embeddings"": 32768}"));
        Assert.AreEqual(new YarnRopeScaling { Factor = 4, OriginalMaxPositions = 32768 }, yarn.RopeScaling);
        Assert.AreEqual(1 + 0.1 * Math.Log(4), yarn.RopeScaling!.AttentionFactor(256), 1e-15, "YaRN's default attention factor");
        // transformers 5 writes rope_theta inside rope_parameters, and the old key "type" still names the type.
        var linear = HfConfig.Parse(Tiny("llama", @"""rope_parameters"": {""type"": ""linear"", ""factor"": 2.0, ""rope_theta"": 123.0}"));
        Assert.AreEqual(new LinearRopeScaling(2), linear.RopeScaling);
        Assert.AreEqual(123, linear.RopeTheta);
        Assert.IsNull(HfConfig.Parse(Tiny("llama", @"""rope_parameters"": {""rope_type"": ""default"", ""rope_theta"": 5.0}")).RopeScaling);
    }

    [TestMethod]
    [DataRow("""{"rope_type": "yarn", "factor": 4.0, "low_freq_factor": 1.0}""", "'low_freq_factor'", "yarn")]
    [DataRow("""{"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "original_max_position_embeddings": 8192}""", "'high_freq_factor'", "missing")]
    [DataRow("""{"rope_type": "linear"}""", "'factor'", "missing")]
    public void BadRopeKeysAreNamed(string rope, string key, string problem)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => HfConfig.Parse(Tiny("llama", $"\"rope_scaling\": {rope}"), "/m/config.json"));
        StringAssert.Contains(e.Message, "/m/config.json");
        StringAssert.Contains(e.Message, key);
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    [DataRow("mistral", "\"sliding_window\": 16", 16, "0,1,2,3")]
    [DataRow("mistral", "\"sliding_window\": null", null, "")]
    [DataRow("qwen2", "\"use_sliding_window\": true, \"sliding_window\": 16, \"max_window_layers\": 2", 16, "2,3")]
    [DataRow("qwen2", "\"use_sliding_window\": false, \"sliding_window\": 16, \"max_window_layers\": 2", null, "")]
    [DataRow("qwen3", "\"use_sliding_window\": true, \"sliding_window\": 8, \"layer_types\": [\"sliding_attention\", \"full_attention\", \"sliding_attention\", \"full_attention\"]", 8, "0,2")]
    [DataRow("smollm3", "\"use_sliding_window\": true, \"sliding_window\": 8, \"no_rope_layer_interval\": 2", 8, "1,3")]
    [DataRow("llama", "\"sliding_window\": 16", null, "")]
    public void SlidingLayersFollowEachFamilysRule(string type, string keys, int? window, string layers)
    {
        var config = HfConfig.Parse(Tiny(type, keys));
        Assert.AreEqual(window, config.SlidingWindow);
        Assert.AreEqual(layers, window is null ? "" : config.SlidingLayers.ToString());
    }

    [TestMethod]
    [DataRow("qwen3", "\"use_sliding_window\": true, \"sliding_window\": 8, \"layer_types\": [\"chunked_attention\", \"full_attention\", \"full_attention\", \"full_attention\"]", "chunked_attention")]
    [DataRow("olmo2", "\"clip_qkv\": 8.0", "'clip_qkv'")]
    [DataRow("qwen3", "\"attention_bias\": true", "'attention_bias'")]
    [DataRow("qwen3", "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"}, \"sliding_attention\": {\"rope_type\": \"default\"}}", "per-layer-type")]
    public void UnsupportedFamilyKeysAreRefusedByName(string type, string keys, string expected)
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse(Tiny(type, keys)));
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    [DataRow("llama3-rope")]
    [DataRow("yarn-rope")]
    [DataRow("linear-rope")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("qwen2-sliding")]
    public void EachFamilyRoundTripsThroughConfigJson(string name)
    {
        var config = TinyModels.ByName(name) with { BosTokenId = 3 };
        Assert.AreEqual(config, HfConfig.Parse(HfConfig.ToJson(config)));
    }
}
