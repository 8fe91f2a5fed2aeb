using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Builders;

/// <summary>Gemma 2 and Gemma 3 text graphs against the float64 reference written from transformers' modelling code.</summary>
[TestClass]
public sealed class GemmaBuilderTests
{
    // Seven tokens, twice the 3-token window: row 0 full, row 1 right-padded to 5, row 2 left-padded from 6.
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, /**/ 4, 6, 2, 9, 1, 0, 0, /**/ 0, 3, 3, 7, 10, 2, 5];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 1, 0, 0, /**/ 0, 1, 1, 1, 1, 1, 1];
    private const int Batch = 3, Seq = 7;

    [TestMethod]
    [DataRow("gemma2")]
    [DataRow("gemma3")]
    public void LogitsMatchFloat64Reference(string architecture) =>
        ReferenceChecks.LogitsMatch(TinyModels.ByName(architecture), Ids, Mask, Batch, Seq, seed: 5);

    /// <summary>Right padding only: see <see cref="DecoderBuilderLoraTests"/> on left padding and float64 differences.</summary>
    [TestMethod]
    [DataRow("gemma2")]
    [DataRow("gemma3")]
    public void GradientsMatchTheReferencesFiniteDifferences(string architecture) =>
        ReferenceChecks.GradientsMatch(TinyModels.ByName(architecture), Ids[..14], Mask[..14], 2, Seq, seed: 6);

    /// <summary>
    /// The tiny configurations make every feature matter: the reference without it gives different logits, so the
    /// comparisons above would catch a builder that ignored it.
    /// </summary>
    [TestMethod]
    [DataRow("gemma2", "sliding_window")]
    [DataRow("gemma2", "attn_logit_softcapping")]
    [DataRow("gemma2", "final_logit_softcapping")]
    [DataRow("gemma2", "query_pre_attn_scalar")]
    [DataRow("gemma3", "rope_local_base_freq")]
    [DataRow("gemma3", "layer_types")]
    [DataRow("gemma3", "rope_scaling")]
    public void EveryFeatureChangesTheReferenceLogits(string architecture, string feature)
    {
        var config = TinyModels.ByName(architecture);
        var without = feature switch
        {
            "sliding_window" => config with { SlidingWindow = null },
            "attn_logit_softcapping" => config with { AttentionSoftcap = null },
            "final_logit_softcapping" => config with { FinalLogitSoftcap = null },
            "query_pre_attn_scalar" => config with { QueryPreAttnScalar = config.HeadDim },
            "rope_local_base_freq" => config with { LocalRopeTheta = config.RopeTheta },
            "rope_scaling" => config with { RopeScaling = null },
            _ => config with { SlidingLayers = LayerSet.Of([0, 2]) },
        };
        var with = ReferenceChecks.ReferenceLogits(config, Ids, Mask, Batch, Seq, seed: 5);
        var changed = ReferenceChecks.ReferenceLogits(without, Ids, Mask, Batch, Seq, seed: 5);
        double scale = with.Max(Math.Abs), largest = with.Zip(changed, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(largest > 1e-3 * scale, $"{feature}: logits move by {largest:E2} only (scale {scale:E2})");
    }

    [TestMethod]
    public void ParametersAreNamedAsInHuggingFace()
    {
        var gemma2 = ModelBuilders.For(TinyModels.Gemma2).Build().Parameters.Select(p => p.Name).ToList();
        var gemma3 = ModelBuilders.For(TinyModels.Gemma3).Build().Parameters.Select(p => p.Name).ToList();
        foreach (var norm in new[] { "input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm" })
            CollectionAssert.Contains(gemma2, $"model.layers.2.{norm}.weight");
        CollectionAssert.Contains(gemma2, "model.layers.0.self_attn.o_proj.bias");
        CollectionAssert.DoesNotContain(gemma2, "lm_head.weight");
        CollectionAssert.DoesNotContain(gemma2, "model.layers.0.self_attn.q_norm.weight");
        CollectionAssert.Contains(gemma3, "model.layers.1.self_attn.q_norm.weight");
        CollectionAssert.Contains(gemma3, "model.layers.1.self_attn.k_norm.weight");
        CollectionAssert.Contains(gemma3, "lm_head.weight");
        // 1 embedding + 3 layers × (4 norms + q, k, v, o weights and biases + 3 MLP) + final norm (tied head).
        Assert.AreEqual(1 + 3 * (4 + 8 + 3) + 1, gemma2.Count);
    }
}
