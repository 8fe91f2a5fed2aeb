using OnnxKto.Models;
using OnnxKto.Models.Builders.Rope;
using OnnxKto.Models.Checkpoints;

namespace OnnxKto.Tests.Models.Checkpoints;

/// <summary>Phi-3 config.json files (HfConfig.Phi3.cs).</summary>
[TestClass]
public sealed class HfConfigPhi3Tests
{
    /// <summary>microsoft/Phi-3.5-mini-instruct's config.json (abridged; its 48-entry factor lists replaced by stand-ins).</summary>
    private static string Phi35Json(int factors = 48, string extra = "") => $$"""
        {"architectures": ["Phi3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
         "embd_pdrop": 0.0, "eos_token_id": 32000, "hidden_act": "silu", "hidden_size": 3072, "intermediate_size": 8192,
         "max_position_embeddings": 131072, "model_type": "phi3", "num_attention_heads": 32, "num_hidden_layers": 32,
         "num_key_value_heads": 32, "original_max_position_embeddings": 4096, "pad_token_id": 32000, "resid_pdrop": 0.0,
         "rms_norm_eps": 1e-05, "rope_scaling": {"long_factor": [{{Factors(factors, 2)}}], "short_factor": [{{Factors(factors, 1)}}],
         "type": "longrope"}, "rope_theta": 10000.0, "sliding_window": 262144, "tie_word_embeddings": false,
         "torch_dtype": "bfloat16", {{extra}} "vocab_size": 32064}
        """;

    private static string Factors(int count, double start) => string.Join(", ", Enumerable.Range(0, count).Select(i => start + 0.5 * i));

    [TestMethod]
    public void Phi35MiniMapsWithLongRope()
    {
        var config = HfConfig.Parse(Phi35Json());
        Assert.AreEqual(96, config.HeadDim);
        Assert.AreEqual(96, config.RotaryDim);
        Assert.AreEqual(262144, config.SlidingWindow);
        Assert.IsTrue(config.IsSliding(0) && config.IsSliding(31), "Phi-3's window applies to every layer");
        var rope = (LongRopeScaling)config.RopeScaling!;
        Assert.AreEqual(4096, rope.OriginalMaxPositions);
        Assert.AreEqual(1.0, rope.ShortFactor[0]);
        Assert.AreEqual(2.0 + 0.5 * 47, rope.LongFactor[47]);
        // factor = 131072 / 4096 = 32; √(1 + ln 32 / ln 4096) = √(1 + 5/12).
        Assert.AreEqual(Math.Sqrt(17.0 / 12), rope.AttentionScale, 1e-12);
        Assert.AreEqual(config, HfConfig.Parse(HfConfig.ToJson(config)));
    }

    [TestMethod]
    public void PartialRotaryFactorNarrowsTheRotatedWidth()
    {
        // Phi-4-mini: 3/4 of each 128-wide head rotates, so its factor lists have 48 entries.
        string json = Phi35Json(extra: "\"partial_rotary_factor\": 0.75,").Replace("\"num_attention_heads\": 32", "\"num_attention_heads\": 24")
            .Replace("\"num_key_value_heads\": 32", "\"num_key_value_heads\": 8");
        var config = HfConfig.Parse(json);
        Assert.AreEqual(128, config.HeadDim);
        Assert.AreEqual(96, config.RotaryDim);
    }

    [TestMethod]
    public void FactorListsOfTheWrongLengthAreRefusedNamingTheKey()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => HfConfig.Parse(Phi35Json(factors: 47)));
        StringAssert.Contains(e.Message, "short_factor");
        StringAssert.Contains(e.Message, "48");
    }

    [TestMethod]
    [DataRow("\"type\": \"longrope\"", "\"type\": \"dynamic\"", "'dynamic'")]
    [DataRow("\"attention_bias\": false", "\"attention_bias\": true", "attention_bias")]
    [DataRow("\"hidden_act\": \"silu\"", "\"hidden_act\": \"gelu\"", "hidden_act 'gelu'")]
    public void UnsupportedFeatureIsRefusedNamingTheKey(string key, string replacement, string expected) =>
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse(Phi35Json().Replace(key, replacement))).Message, expected);
}
