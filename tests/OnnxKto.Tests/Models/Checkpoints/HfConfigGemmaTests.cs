using OnnxKto.Models;
using OnnxKto.Models.Builders.Rope;
using OnnxKto.Models.Checkpoints;

namespace OnnxKto.Tests.Models.Checkpoints;

/// <summary>Gemma 2 and Gemma 3 text config.json files (HfConfig.Gemma.cs).</summary>
[TestClass]
public sealed class HfConfigGemmaTests
{
    // google/gemma-3-1b-it's config.json (abridged: initializer, cache and version keys dropped).
    private const string Gemma3Json = """
        {"architectures": ["Gemma3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
         "attn_logit_softcapping": null, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": [1, 106],
         "final_logit_softcapping": null, "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
         "intermediate_size": 6912, "max_position_embeddings": 32768, "model_type": "gemma3_text", "num_attention_heads": 4,
         "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0, "query_pre_attn_scalar": 256,
         "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000, "rope_scaling": null, "rope_theta": 1000000,
         "sliding_window": 512, "sliding_window_pattern": 6, "torch_dtype": "bfloat16", "vocab_size": 262144}
        """;

    // google/gemma-2-2b's config.json (abridged).
    private const string Gemma2Json = """
        {"architectures": ["Gemma2ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0,
         "attn_logit_softcapping": 50.0, "bos_token_id": 2, "cache_implementation": "hybrid", "eos_token_id": 1,
         "final_logit_softcapping": 30.0, "head_dim": 256, "hidden_act": "gelu_pytorch_tanh",
         "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 2304, "intermediate_size": 9216,
         "max_position_embeddings": 8192, "model_type": "gemma2", "num_attention_heads": 8, "num_hidden_layers": 26,
         "num_key_value_heads": 4, "pad_token_id": 0, "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06,
         "rope_theta": 10000.0, "sliding_window": 4096, "torch_dtype": "float32", "vocab_size": 256000}
        """;

    [TestMethod]
    public void Gemma3OneBillionMaps()
    {
        var config = HfConfig.Parse(Gemma3Json);
        Assert.AreEqual(Presets.Get("gemma3-1b") with { BosTokenId = 2, EosTokenId = 1, PadTokenId = 0 }, config);
        // Five sliding layers, then a global one: layers 5, 11, 17 and 23 attend to everything.
        CollectionAssert.AreEqual(new[] { 5, 11, 17, 23 }, Enumerable.Range(0, 26).Where(i => !config.IsSliding(i)).ToArray());
        Assert.IsNull(config.AttentionSoftcap);
        Assert.IsNull(config.FinalLogitSoftcap);
    }

    [TestMethod]
    public void Gemma2TwoBillionMaps()
    {
        var config = HfConfig.Parse(Gemma2Json);
        Assert.AreEqual(Presets.Get("gemma2-2b") with { BosTokenId = 2, EosTokenId = 1, PadTokenId = 0 }, config);
        Assert.IsTrue(config.IsSliding(0) && !config.IsSliding(1) && config.IsSliding(24) && !config.IsSliding(25));
        // Gemma 2's soft-caps default to 50 and 30 when absent; an explicit null turns one off.
        var absent = HfConfig.Parse(Gemma2Json.Replace("\"attn_logit_softcapping\": 50.0,", "").Replace("\"final_logit_softcapping\": 30.0,", "\"final_logit_softcapping\": null,"));
        Assert.AreEqual(50, absent.AttentionSoftcap);
        Assert.IsNull(absent.FinalLogitSoftcap);
    }

    [TestMethod]
    public void LayerTypesNameTheSlidingLayers()
    {
        string json = Gemma3Json.Replace("\"num_hidden_layers\": 26", "\"num_hidden_layers\": 4")
            .Replace("\"sliding_window_pattern\": 6", "\"layer_types\": [\"sliding_attention\", \"full_attention\", \"full_attention\", \"sliding_attention\"]");
        var config = HfConfig.Parse(json);
        CollectionAssert.AreEqual(new[] { true, false, false, true }, Enumerable.Range(0, 4).Select(config.IsSliding).ToArray());
        Assert.AreEqual(config, HfConfig.Parse(HfConfig.ToJson(config)));

        var chunked = json.Replace("\"full_attention\", \"full_attention\"", "\"full_attention\", \"chunked_attention\"");
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse(chunked)).Message, "chunked_attention");
    }

    /// <summary>Gemma 3 4B and larger scale the global layers' frequencies linearly (factor 8); the local layers keep theirs.</summary>
    [TestMethod]
    public void LinearRopeScalingIsReadForTheGlobalLayers()
    {
        var config = HfConfig.Parse(Gemma3Json.Replace("\"rope_scaling\": null", "\"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": 8.0}"));
        Assert.AreEqual(new LinearRopeScaling(8), config.RopeScaling);
        Assert.AreEqual(1e4, config.LocalRopeTheta);
        Assert.AreEqual(config, HfConfig.Parse(HfConfig.ToJson(config)));
    }

    [TestMethod]
    [DataRow("\"rope_scaling\": null", "\"rope_parameters\": {\"full_attention\": {\"rope_type\": \"default\"}}", "rope_parameters")]
    [DataRow("\"vocab_size\"", "\"use_bidirectional_attention\": true, \"vocab_size\"", "use_bidirectional_attention")]
    [DataRow("\"hidden_activation\": \"gelu_pytorch_tanh\"", "\"hidden_activation\": \"gelu\"", "hidden_activation 'gelu'")]
    [DataRow("\"model_type\": \"gemma3_text\"", "\"model_type\": \"gemma3\"", "gemma3_text")]
    public void UnsupportedFeatureIsRefusedNamingTheKey(string key, string replacement, string expected) =>
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse(Gemma3Json.Replace(key, replacement))).Message, expected);
}
