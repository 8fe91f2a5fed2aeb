using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Builders.Rope;
using OnnxKto.Models.Lora;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Builders;

/// <summary>Phi-3 graphs against the float64 reference written from transformers' modelling code.</summary>
[TestClass]
public sealed class Phi3BuilderTests
{
    // Row 0 full, row 1 right-padded; the tiny model's LongRoPE switches above 4 positions.
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, /**/ 4, 6, 2, 0, 0, 0, 0];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 0, 0, 0, 0];
    private const int Batch = 2;

    private static (long[] Ids, long[] Mask) Batch2(int seq) =>
        (Ids[..seq].Concat(Ids[7..(7 + seq)]).ToArray(), Mask[..seq].Concat(Mask[7..(7 + seq)]).ToArray());

    /// <summary>Four tokens use the short factors (max position + 1 = 4), seven the long ones.</summary>
    [TestMethod]
    [DataRow(4)]
    [DataRow(7)]
    public void LogitsMatchFloat64ReferenceOnBothSidesOfLongRopesSwitch(int seq)
    {
        var (ids, mask) = Batch2(seq);
        ReferenceChecks.LogitsMatch(TinyModels.Phi3, ids, mask, Batch, seq, seed: 5);
    }

    [TestMethod]
    [DataRow(4)]
    [DataRow(7)]
    public void GradientsMatchTheReferencesFiniteDifferences(int seq)
    {
        var (ids, mask) = Batch2(seq);
        ReferenceChecks.GradientsMatch(TinyModels.Phi3, ids, mask, Batch, seq, seed: 6);
    }

    [TestMethod]
    [DataRow(4, "short_factor")]
    [DataRow(7, "long_factor")]
    [DataRow(7, "attention_factor")]
    [DataRow(7, "partial_rotary_factor")]
    [DataRow(7, "sliding_window")]
    public void EveryFeatureChangesTheReferenceLogits(int seq, string feature)
    {
        var config = TinyModels.Phi3;
        var rope = (LongRopeScaling)config.RopeScaling!;
        var without = feature switch
        {
            "short_factor" => config with { RopeScaling = rope with { ShortFactor = [1.0, 1.0] } },
            "long_factor" => config with { RopeScaling = rope with { LongFactor = rope.ShortFactor } },
            "attention_factor" => config with { RopeScaling = rope with { AttentionScale = 1 } },
            "partial_rotary_factor" => config with { PartialRotaryFactor = 1, RopeScaling = rope with { ShortFactor = [1, 1.5, 1, 1], LongFactor = [3, 40, 1, 1] } },
            _ => config with { SlidingWindow = null },
        };
        var (ids, mask) = Batch2(seq);
        var with = ReferenceChecks.ReferenceLogits(config, ids, mask, Batch, seq, seed: 5);
        var changed = ReferenceChecks.ReferenceLogits(without, ids, mask, Batch, seq, seed: 5);
        double scale = with.Max(Math.Abs), largest = with.Zip(changed, (a, b) => Math.Abs(a - b)).Max();
        Assert.IsTrue(largest > 1e-3 * scale, $"{feature}: logits move by {largest:E2} only (scale {scale:E2})");
    }

    [TestMethod]
    public void ProjectionsAreFusedUnderPeftsNames()
    {
        var lora = new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = ["qkv_proj", "gate_up_proj"] };
        var model = ModelBuilders.For(TinyModels.Phi3).Build(new DecoderOptions { Lora = lora });
        var names = model.Parameters.Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]").ToList();
        CollectionAssert.Contains(names, "model.layers.1.self_attn.qkv_proj.weight [32, 16]");        // (2 + 2·1)·8 rows
        CollectionAssert.Contains(names, "model.layers.1.mlp.gate_up_proj.weight [20, 16]");
        CollectionAssert.Contains(names, "model.layers.0.self_attn.qkv_proj.lora_B.weight [32, 2]");
        CollectionAssert.Contains(names, "model.layers.0.mlp.gate_up_proj.lora_A.weight [2, 16]");
        Assert.IsFalse(names.Any(n => n.Contains("q_proj") || n.Contains("up_proj.weight") && !n.Contains("gate_up")), string.Join(", ", names));

        // PEFT's default table has no phi3 row: no target modules is an error naming the model type.
        var error = Assert.ThrowsExactly<UserError>(() => ModelBuilders.For(TinyModels.Phi3).Build(new DecoderOptions { Lora = lora with { TargetModules = [] } }));
        StringAssert.Contains(error.Message, "phi3");
    }
}
