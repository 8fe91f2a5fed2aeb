using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Lora;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Builders;

/// <summary>LoRA adapters in the decoder builders (<see cref="DecoderOptions.Lora"/>).</summary>
[TestClass]
public sealed class DecoderBuilderLoraTests
{
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 3, 8, 4, 0, 0, 0, 0, 6, 2, 9];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1];
    // Right padding only: a left-padded row's first queries see no key, and the −1e9 bias they then share swamps
    // float64 finite differences (1e9 leaves about 1e-7 of resolution).
    private static readonly long[] RightPadded = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 0];
    private const int Batch = 3, Seq = 5;

    private static LoraSettings Lora(params string[] targets) => new() { UsePeft = true, R = 3, Alpha = 6, TargetModules = targets };

    [TestMethod]
    public void AdaptersAreNamedAndShapedAsPeftStoresThem()
    {
        // GPT-2 (hidden 8, inner 12), PEFT's default target c_attn: A [r, in], B [out, r] on both layers.
        var gpt2 = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { Lora = Lora() });
        CollectionAssert.AreEqual(new[]
        {
            "transformer.h.0.attn.c_attn.lora_A.weight [3, 8]", "transformer.h.0.attn.c_attn.lora_B.weight [24, 3]",
            "transformer.h.1.attn.c_attn.lora_A.weight [3, 8]", "transformer.h.1.attn.c_attn.lora_B.weight [24, 3]",
        }, Adapters(gpt2));
        Assert.IsTrue(gpt2.LoraLayers.All(l => !l.WeightIsOutIn), "GPT-2's Conv1D weights are [in, out] (PEFT's fan_in_fan_out)");

        // A dotted suffix selects only the attention's c_proj, not the MLP's.
        var suffix = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { Lora = Lora("attn.c_proj") });
        CollectionAssert.AreEqual(new[] { "transformer.h.0.attn.c_proj", "transformer.h.1.attn.c_proj" }, suffix.LoraLayers.Select(l => l.Module).ToArray());

        // Llama family: defaults q_proj and v_proj (v: 2 kv heads x head dim 2 = 4 outputs); all-linear: all seven, not the head.
        var llama = ModelBuilders.For(TinyModels.Llama).Build(new DecoderOptions { Lora = Lora() });
        CollectionAssert.AreEqual(new[]
        {
            "model.layers.0.self_attn.q_proj.lora_A.weight [3, 8]", "model.layers.0.self_attn.q_proj.lora_B.weight [8, 3]",
            "model.layers.0.self_attn.v_proj.lora_A.weight [3, 8]", "model.layers.0.self_attn.v_proj.lora_B.weight [4, 3]",
            "model.layers.1.self_attn.q_proj.lora_A.weight [3, 8]", "model.layers.1.self_attn.q_proj.lora_B.weight [8, 3]",
            "model.layers.1.self_attn.v_proj.lora_A.weight [3, 8]", "model.layers.1.self_attn.v_proj.lora_B.weight [4, 3]",
        }, Adapters(llama));
        var all = ModelBuilders.For(TinyModels.Llama).Build(new DecoderOptions { Lora = Lora(LoraSettings.AllLinear) });
        Assert.AreEqual(2 * 7, all.LoraLayers.Count);
        CollectionAssert.Contains(Adapters(all), "model.layers.1.mlp.down_proj.lora_A.weight [3, 10]");
        CollectionAssert.Contains(Adapters(all), "model.layers.1.mlp.down_proj.lora_B.weight [8, 3]");
        Assert.IsFalse(all.Parameters.Any(p => p.Name.StartsWith("lm_head.lora")), "all-linear leaves the output head alone");
    }

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    [DataRow("qwen2")]
    public void AtInitialisationTheLoraModelIsTheBase(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        var baseModel = ModelBuilders.For(config).Build();
        var lora = ModelBuilders.For(config).Build(new DecoderOptions { Lora = Lora(LoraSettings.AllLinear) });
        var weights = TinyModels.RandomWeights(baseModel.Parameters, seed: 5);
        var adapters = ParameterInitializer.Initialize(lora.Parameters.Where(p => LoraLayer.IsAdapterParameter(p.Name)), seed: 7);
        Assert.IsTrue(adapters.Where(a => a.Key.EndsWith("lora_A.weight")).All(a => a.Value.ToFloats().Any(v => v != 0)), "A is random");
        Assert.IsTrue(adapters.Where(a => a.Key.EndsWith("lora_B.weight")).All(a => a.Value.ToFloats().All(v => v == 0)), "B is zero");
        // Kaiming-uniform(a=√5) on [r, in]: |A| ≤ 1/√in.
        foreach (var p in lora.Parameters.Where(p => p.Name.EndsWith("lora_A.weight")))
            Assert.IsTrue(adapters[p.Name].ToFloats().All(v => Math.Abs(v) <= 1 / Math.Sqrt(p.Shape[1])), p.Name);

        var expected = Logits(baseModel.Graph, weights);
        var actual = Logits(lora.Graph, new Dictionary<string, TensorData>(weights.Concat(adapters)));
        CollectionAssert.AreEqual(expected, actual, $"{architecture}: B = 0 adds exactly nothing");
    }

    /// <summary>Float64 finite differences of Σ logits ⊙ R with respect to every adapter tensor, B random so A's gradient is not zero.</summary>
    [TestMethod]
    [DataRow("llama")]
    [DataRow("qwen2")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    public void AdapterGradientsMatchFiniteDifferences(string architecture)
    {
        var model = ModelBuilders.For(TinyModels.ByName(architecture)).Build(new DecoderOptions { Precision = DataType.Double, Lora = Lora(LoraSettings.AllLinear) });
        var feeds = Feeds(TinyModels.RandomWeights(model.Parameters, seed: 3).ToDictionary(w => w.Key, w => TensorData.FromDoubles(w.Value.Dims, w.Value.ToDoublesWidened())));
        feeds["attention_mask"] = TensorData.FromLongs([Batch, Seq], RightPadded);
        var wrt = model.Parameters.Where(p => LoraLayer.IsAdapterParameter(p.Name)).Select(p => p.Name).ToList();
        GradientChecker.Check(model.Graph, "logits", feeds, wrt, maxElementsPerInput: 6);
    }

    /// <summary>
    /// For every family, GPT-2's [in, out] Conv1D included: with G = dL/dW in [out, in] orientation, the chain rule
    /// gives dL/dA = (α/r)·Bᵀ·G and dL/dB = (α/r)·G·Aᵀ, a second computation through the base weight's gradient.
    /// </summary>
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    [DataRow("qwen2")]
    public void AdapterGradientsFollowFromTheBaseWeightsGradient(string architecture)
    {
        var lora = Lora(LoraSettings.AllLinear);
        var model = ModelBuilders.For(TinyModels.ByName(architecture)).Build(new DecoderOptions { Lora = lora });
        var feeds = Feeds(TinyModels.RandomWeights(model.Parameters, seed: 4));
        var g = model.Graph.Clone();
        var b = new GraphBuilder(g);
        long[] probeDims = [Batch, Seq, TinyModels.ByName(architecture).VocabSize];
        var probe = g.AddInput("probe", DataType.Float, new Shape(probeDims.Select(Dim.Of)));
        foreach (var o in g.Outputs.ToList()) g.RemoveOutput(o);
        var loss = b.Output(b.Op("ReduceSum", [b.Mul(g["logits"], probe)], ("keepdims", 0L)), "loss");
        var wrt = model.LoraLayers.SelectMany(l => new[] { l.BaseWeight, l.A, l.B }).ToList();
        var backward = ReverseModeAutodiff.Gradients(g, loss, wrt.Select(n => g[n]));
        var rng = new Random(2);
        feeds["probe"] = TensorData.FromFloats(probeDims,
            Enumerable.Range(0, (int)probeDims.Aggregate(1L, (x, y) => x * y)).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray());
        using var session = new OnnxSession(backward, optimize: false);
        var grads = session.Run(feeds, wrt.Select(GradientNames.Of));

        foreach (var layer in model.LoraLayers)
        {
            int r = lora.R, n = (int)layer.InFeatures, m = (int)layer.OutFeatures;
            var gw = grads[GradientNames.Of(layer.BaseWeight)].ToFloats();
            double G(int o, int i) => layer.WeightIsOutIn ? gw[o * n + i] : gw[i * m + o];
            var (a, bw) = (feeds[layer.A].ToFloats(), feeds[layer.B].ToFloats());
            var (da, db) = (grads[GradientNames.Of(layer.A)].ToFloats(), grads[GradientNames.Of(layer.B)].ToFloats());
            double scale = Enumerable.Range(0, m * n).Max(j => Math.Abs(G(j / n, j % n))) * r;
            for (int k = 0; k < r; k++)
                for (int i = 0; i < n; i++)
                {
                    double expected = lora.Scaling * Enumerable.Range(0, m).Sum(o => bw[o * r + k] * G(o, i));
                    Assert.AreEqual(expected, da[k * n + i], 1e-5 * scale, $"{layer.A}[{k}, {i}]");
                }
            for (int o = 0; o < m; o++)
                for (int k = 0; k < r; k++)
                {
                    double expected = lora.Scaling * Enumerable.Range(0, n).Sum(i => G(o, i) * a[k * n + i]);
                    Assert.AreEqual(expected, db[o * r + k], 1e-5 * scale, $"{layer.B}[{o}, {k}]");
                }
        }
    }

    [TestMethod]
    public void SettingsThatDoNotFitTheModelAreRefusedNamingTheKey()
    {
        UserError Refused(string architecture, LoraSettings lora) =>
            Assert.ThrowsExactly<UserError>(() => ModelBuilders.For(TinyModels.ByName(architecture)).Build(new DecoderOptions { Lora = lora }));

        var e = Refused("gpt2", Lora("q_proj"));
        StringAssert.Contains(e.Message, "lora_target_modules: 'q_proj'");
        StringAssert.Contains(e.Hint, "c_attn, c_proj, c_fc, or all-linear");
        StringAssert.Contains(Refused("llama", Lora("c_attn")).Hint, "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
        StringAssert.Contains(Refused("llama", Lora() with { Dropout = 0.05 }).Hint, "lora_dropout: 0");
        StringAssert.Contains(Refused("llama", Lora() with { ModulesToSave = ["head"] }).Message, "lora_modules_to_save: 'head'");
        StringAssert.Contains(Refused("llama", Lora() with { ModulesToSave = ["q_proj"] }).Message, "already adapts");
        // PEFT's defaults are per model type: q_proj and v_proj for qwen3; none for olmo2 (PEFT asks for target_modules).
        CollectionAssert.AreEqual(new[] { "model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj" },
            ModelBuilders.For(TinyModels.Qwen3).Build(new DecoderOptions { Lora = Lora() }).LoraLayers.Select(l => l.Module).ToArray());
        StringAssert.Contains(Refused("olmo2", Lora()).Message, "no default target modules for model_type 'olmo2'");
        // use_peft false builds the base whatever the other keys say.
        Assert.AreEqual(0, ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { Lora = Lora("q_proj") with { UsePeft = false } }).LoraLayers.Count);
    }

    private static string[] Adapters(ModelGraph model) =>
        model.Parameters.Where(p => LoraLayer.IsAdapterParameter(p.Name)).Select(p => $"{p.Name} [{string.Join(", ", p.Shape)}]").ToArray();

    private static Dictionary<string, TensorData> Feeds(IReadOnlyDictionary<string, TensorData> weights) => new(weights)
    {
        ["input_ids"] = TensorData.FromLongs([Batch, Seq], Ids),
        ["attention_mask"] = TensorData.FromLongs([Batch, Seq], Mask),
    };

    private static float[] Logits(Graph graph, IReadOnlyDictionary<string, TensorData> weights)
    {
        using var session = new OnnxSession(graph, optimize: false);
        return session.Run(Feeds(weights), ["logits"])["logits"].ToFloats();
    }
}
