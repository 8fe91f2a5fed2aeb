using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;

namespace OnnxKto.Tests.Training.Artifacts;

[TestClass]
public sealed class TrainingGraphsTests
{
    private const int Batch = 3, Seq = 5, KlSeq = 6;

    /// <summary>
    /// The whole float64 training graph of a tiny Llama-family model (the KTO loss over policy, KL and reference
    /// log-probs): every parameter's gradient against central finite differences of the eval graph's loss.
    /// </summary>
    [TestMethod]
    [DataRow(LossType.Kto, KlEstimate.Batch)]
    [DataRow(LossType.Kto, KlEstimate.Step)]
    [DataRow(LossType.ApoZeroUnpaired, KlEstimate.Batch)]
    [DataRow(LossType.Sft, KlEstimate.Batch)]
    [DataRow(LossType.Dpo, KlEstimate.Batch)]
    [DataRow(LossType.Bco, KlEstimate.Batch)]
    public void TrainingGradientsMatchFiniteDifferencesOfEvalLoss(LossType lossType, KlEstimate estimate)
    {
        var model = ModelBuilders.For(TinyModels.Llama).Build(new DecoderOptions { Precision = DataType.Double, HiddenStates = true });
        // A large β makes the KTO terms far from saturated, so the check is sensitive.
        var graphs = TrainingGraphs.Build(model, new KtoConfig { Loss = new LossSettings(lossType, Beta: 2, KlEstimate: estimate) });
        // dpo's rows are pairs: two chosen rows, then their two rejected rows.
        var feeds = Batch_(graphs.Training, model, seed: 4, rows: lossType == LossType.Dpo ? 4 : Batch);

        using var training = new OnnxSession(graphs.Training, optimize: false);
        var analytic = training.Run(feeds);
        var evalFeeds = feeds.Where(f => graphs.Eval.Inputs.Any(i => i.Name == f.Key)).ToDictionary(f => f.Key, f => f.Value);
        using (var full = new OnnxSession(graphs.Eval, optimize: false))
            Assert.AreEqual(full.Run(evalFeeds)["loss"].ToDoubles()[0], analytic["loss"].ToDoubles()[0], 1e-12, "eval and training losses");

        // No gradient flows through z0 (TRL computes the KL pass under torch.no_grad()): the finite differences
        // hold the policy's KL log-probs at their value by feeding them as an input.
        var frozenKl = graphs.Eval;
        if (lossType == LossType.Kto && estimate == KlEstimate.Batch)
        {
            frozenKl = GraphPruning.KeepOutputs(FeedAsInput(graphs.Eval.Clone(), ArtifactNames.PolicyKlLogps), [ArtifactNames.Loss]);
            evalFeeds[ArtifactNames.PolicyKlLogps] = analytic[ArtifactNames.PolicyKlLogps];
            evalFeeds = evalFeeds.Where(f => frozenKl.Inputs.Any(i => i.Name == f.Key)).ToDictionary(f => f.Key, f => f.Value);
        }
        using var eval = new OnnxSession(frozenKl, optimize: false);

        var rng = new Random(9);
        foreach (var p in graphs.Trainable)
        {
            var x = feeds[p.Name].ToDoubles();
            var grad = analytic[GradientNames.Of(p.Name)].ToDoubles();
            double diff2 = 0, norm2 = 0;
            foreach (int i in Enumerable.Range(0, x.Length).OrderBy(_ => rng.Next()).Take(6))
            {
                double h = 1e-5;
                double Loss(double v)
                {
                    var moved = (double[])x.Clone();
                    moved[i] = v;
                    var f = new Dictionary<string, TensorData>(evalFeeds) { [p.Name] = TensorData.FromDoubles(p.Shape, moved) };
                    return eval.Run(f, ["loss"])["loss"].ToDoubles()[0];
                }
                double numeric = (Loss(x[i] + h) - Loss(x[i] - h)) / (2 * h);
                diff2 += (numeric - grad[i]) * (numeric - grad[i]);
                norm2 += numeric * numeric;
            }
            double rel = Math.Sqrt(diff2) / Math.Max(Math.Sqrt(norm2), 1e-9);
            Assert.IsTrue(rel < 1e-6 || Math.Sqrt(diff2) < 1e-10, $"{lossType}: d loss / d {p.Name}: relative error {rel:E2}");
        }
    }

    [TestMethod]
    public void KlBranchHasNoBackwardNodes()
    {
        var model = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { HiddenStates = true });
        var graphs = TrainingGraphs.Build(model, new KtoConfig());
        Assert.IsTrue(graphs.Training.Nodes.Any(n => n.Name.StartsWith("/kl/")), "the KL forward is present");
        Assert.IsTrue(graphs.Training.Nodes.Any(n => n.Name.StartsWith("/backward/policy/")), "the policy forward has a backward");
        Assert.IsFalse(graphs.Training.Nodes.Any(n => n.Name.StartsWith("/backward/kl/")), "the KL forward has no backward");
    }

    [TestMethod]
    [DataRow(KlEstimate.Step)]
    [DataRow(KlEstimate.Running)]
    public void WindowKlEstimatesFeedZ0InsteadOfAKlPass(KlEstimate estimate)
    {
        var model = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { HiddenStates = true });
        var graphs = TrainingGraphs.Build(model, new KtoConfig { Loss = new LossSettings(KlEstimate: estimate) });
        foreach (var g in new[] { graphs.Training, graphs.Eval })
        {
            Assert.IsFalse(g.Nodes.Any(n => n.Name.StartsWith("/kl/")), $"{g.Name}: no KL forward");
            Assert.IsTrue(g.Inputs.Any(i => i.Name == ArtifactNames.KlReferencePoint), $"{g.Name}: z0 is an input");
        }
        Assert.IsTrue(graphs.Reference.Nodes.Any(n => n.Name.StartsWith("/kl/")), "the reference graph still scores KL pairs");
    }

    [TestMethod]
    public void AccumulationAddsTheBufferAndScalesByLossScale()
    {
        var model = ModelBuilders.For(TinyModels.Llama).Build(new DecoderOptions { Precision = DataType.Double, HiddenStates = true });
        var graphs = TrainingGraphs.Build(model, new KtoConfig { Loss = new LossSettings(LossType.Sft) });
        var feeds = Batch_(graphs.Training, model, seed: 2);
        using var session = new OnnxSession(graphs.Training, optimize: false);
        var once = session.Run(feeds)["model.norm.weight_grad"].ToDoubles();

        var buffer = AccumulationBuffer("model.norm.weight");
        feeds[buffer] = TensorData.FromDoubles(feeds[buffer].Dims, once);
        feeds[ArtifactNames.LossScale] = TensorData.FromDoubles([], [0.5]);
        var twice = session.Run(feeds)["model.norm.weight_grad"].ToDoubles();
        for (int i = 0; i < once.Length; i++) Assert.AreEqual(1.5 * once[i], twice[i], 1e-12);
    }

    [TestMethod]
    public void FrozenPatternsKeepParametersOutOfTheGradients()
    {
        var model = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { HiddenStates = true });
        var graphs = TrainingGraphs.Build(model, new KtoConfig { Parameters = new ParameterSelection { Frozen = ["wte|wpe"] } });
        Assert.AreEqual(2, graphs.Frozen.Count);
        Assert.IsFalse(graphs.Training.Contains("transformer.wte.weight_grad"));
        Assert.IsTrue(graphs.Training.Contains("transformer.h.0.attn.c_attn.weight_grad"));
        Assert.IsTrue(graphs.Training.Inputs.Any(i => i.Name == "transformer.wte.weight"), "frozen weights stay inputs, fed once");
    }

    [TestMethod]
    public void PatternsSelectingNothingAreAnError()
    {
        var model = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { HiddenStates = true });
        var e = Assert.ThrowsExactly<UserError>(() => TrainingGraphs.Build(model, new KtoConfig { Parameters = new ParameterSelection { Trainable = ["no_such_param"] } }));
        StringAssert.Contains(e.Message, "no parameter to train");
    }

    /// <summary>
    /// Gradient checkpointing and the chunked head change what the forward keeps, not what the step computes: the loss,
    /// the metrics and every gradient equal those of the plain graph (float64: to 1e-12; float32: to rounding). Chunks of
    /// one, two and three rows cover a row count not divisible by the chunk size and chunks with no rows (K ≈ 8 here).
    /// </summary>
    [TestMethod]
    [DataRow("llama", "double", true, null)]
    [DataRow("llama", "double", true, 3)]
    [DataRow("llama", "double", false, 1)]
    [DataRow("llama", "double", false, 2)]
    [DataRow("qwen2", "double", true, 2)]
    [DataRow("gemma2", "double", true, 2)]
    [DataRow("phi3", "double", true, 3)]
    [DataRow("llama", "float", true, 2)]
    [DataRow("gpt2", "float", true, null)]
    [DataRow("gpt2", "float", true, 3)]
    [DataRow("gpt2", "float", false, 1)]
    public void MemoryOptionsKeepTheLossAndGradients(string family, string precision, bool checkpointing, int? chunkRows)
    {
        var type = precision == "double" ? DataType.Double : DataType.Float;
        var model = ModelBuilders.For(TinyModels.ByName(family)).Build(new DecoderOptions { Precision = type, HiddenStates = true });
        // batch × max_length = 3 × 8 = 24 rows: chunks of 1, 2, 3 rows are 24, 12, 8 pieces for about 8 scored rows.
        var config = new KtoConfig
        {
            Loss = new LossSettings(LossType.Kto, Beta: 2), Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = Batch },
            Data = new OnnxKto.Data.DataOptions { MaxLength = 8 },
        };
        var plain = TrainingGraphs.Build(model, config with { Memory = new MemorySettings { HeadChunkRows = null } });
        var lean = TrainingGraphs.Build(model, config with { Memory = new MemorySettings { GradientCheckpointing = checkpointing, HeadChunkRows = chunkRows } });
        if (checkpointing) Assert.IsTrue(lean.Training.Nodes.Any(n => n.Name.StartsWith("/recompute/policy/layers.")), "layers are recomputed");
        if (chunkRows is { } rows)
            Assert.AreEqual(24 / rows, lean.Training.Nodes.Count(n => n.Name.StartsWith("/policy/logps/") && n.OpType == "Gemm"), "head pieces");

        var feeds = Batch_(plain.Training, model, seed: 5);
        if (type == DataType.Float)
            feeds = feeds.ToDictionary(f => f.Key, f => f.Value.Type == DataType.Double ? TensorData.FromFloats(f.Value.Dims, f.Value.ToDoubles().Select(v => (float)v).ToArray()) : f.Value);
        foreach (var (graph, other) in new[] { (plain.Training, lean.Training), (plain.Eval, lean.Eval), (plain.Reference, lean.Reference) })
        {
            CollectionAssert.AreEquivalent(graph.Outputs.Select(o => o.Name).ToList(), other.Outputs.Select(o => o.Name).ToList());
            var graphFeeds = feeds.Where(f => graph.Inputs.Any(i => i.Name == f.Key)).ToDictionary(f => f.Key, f => f.Value);
            using var expectedSession = new OnnxSession(graph, optimize: false);
            using var actualSession = new OnnxSession(other, optimize: false);
            var expected = expectedSession.Run(graphFeeds);
            var actual = actualSession.Run(graphFeeds);
            foreach (var name in graph.Outputs.Select(o => o.Name))
            {
                var (e, a) = (expected[name].ToDoublesWidened(), actual[name].ToDoublesWidened());
                double scale = Math.Max(1e-3, e.Max(Math.Abs)), worst = e.Zip(a, (p, q) => Math.Abs(p - q)).Max();
                Assert.IsTrue(worst <= (type == DataType.Double ? 1e-12 : 2e-5) * scale, $"{graph.Name} '{name}': off by {worst:E2} (scale {scale:E2})");
            }
        }
    }

    /// <summary>The head is recomputed in the backward pass when it runs in several pieces, or in one under gradient checkpointing.</summary>
    [TestMethod]
    public void AHeadInOnePieceIsRecomputedOnlyUnderCheckpointing()
    {
        var model = ModelBuilders.For(TinyModels.Gpt2).Build(new DecoderOptions { HiddenStates = true });
        // batch × max_length = 3 × 8 = 24 rows.
        var config = new KtoConfig { Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = Batch }, Data = new OnnxKto.Data.DataOptions { MaxLength = 8 } };
        bool RecomputesHead(int? rows, bool checkpointing) => TrainingGraphs.Build(model, config with { Memory = new MemorySettings { HeadChunkRows = rows, GradientCheckpointing = checkpointing } })
            .Training.Nodes.Any(n => n.Name.StartsWith("/recompute/", StringComparison.Ordinal) && n.Name.Contains("logps", StringComparison.Ordinal));
        Assert.IsFalse(RecomputesHead(24, false), "24 rows in one piece");
        Assert.IsFalse(RecomputesHead(1024, false), "the default budget holds the whole head");
        Assert.IsTrue(RecomputesHead(12, false), "two pieces of 12 rows");
        Assert.IsTrue(RecomputesHead(1024, true), "checkpointing recomputes the one piece too");
        Assert.IsFalse(RecomputesHead(null, true), "head_chunk_rows: null keeps the head");
    }

    /// <summary>
    /// With checkpointing, the backward reads no value the policy layers computed in the forward except the layer
    /// boundaries (each layer's input and output rows): recomputes read them through one gate each, and the final
    /// norm's backward reads the last layer's output. Without it, the backward reads inner values (so the check can fail).
    /// </summary>
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void CheckpointedBackwardReadsOnlyLayerBoundaries(string family)
    {
        var model = ModelBuilders.For(TinyModels.ByName(family)).Build(new DecoderOptions { HiddenStates = true });
        var boundaries = model.Layers.SelectMany(l => l.Inputs.Append(l.Output)).Select(v => "/policy" + v.Name).ToHashSet();
        List<Node> InnerReaders(Graph g)
        {
            // Activations only: integer shape tensors made in a layer's scope (e.g. [batch, seq, heads, D]) are shared.
            var inner = g.Nodes.Where(n => n.Name.StartsWith("/policy/layers.")).SelectMany(n => n.Outputs)
                .Where(v => v.Type.IsFloating() && !boundaries.Contains(v.Name)).ToHashSet();
            return g.Nodes.Where(n => !n.Name.StartsWith("/policy/") && n.Inputs.Any(i => i is not null && inner.Contains(i))).ToList();
        }
        var checkpointed = TrainingGraphs.Build(model, new KtoConfig { Memory = new MemorySettings { GradientCheckpointing = true } }).Training;
        var plain = TrainingGraphs.Build(model, new KtoConfig()).Training;

        Assert.AreEqual(0, InnerReaders(checkpointed).Count, "readers of inner layer values: " + string.Join(", ", InnerReaders(checkpointed).Take(5)));
        Assert.IsTrue(InnerReaders(plain).Count > 0, "the plain backward reads inner layer values");
        var gates = checkpointed.Nodes.Where(n => n.Name.StartsWith("/backward/checkpoint/") && n.Inputs[0] is { } x && boundaries.Contains(x.Name)).ToList();
        Assert.AreEqual(model.Config.NumLayers, gates.Count, "one recompute gate per layer, fed from the layer's input");
        var boundaryReaders = checkpointed.Nodes.Where(n => !n.Name.StartsWith("/policy/") && n.Inputs.Any(i => i is not null && boundaries.Contains(i.Name)));
        Assert.IsTrue(boundaryReaders.All(n => gates.Contains(n) || n.Name.StartsWith("/backward/policy/norm/") || n.Name.StartsWith("/backward/policy/ln_f/")),
            "only gates and the final norm's backward read the boundaries: " + string.Join(", ", boundaryReaders.Except(gates)));
        Assert.IsFalse(checkpointed.Nodes.Any(n => n.Name.StartsWith("/recompute/kl/") || n.Name.StartsWith("/backward/kl/")), "the KL pass has no backward");
    }

    /// <summary>
    /// bf16 artifacts (no CPU kernels to run them, so the structure is the test): every matrix product of the forward and
    /// the backward, with checkpointing and a chunked head, reads and writes bfloat16; the only nodes producing bfloat16
    /// are those products, the casts and the layout ops of their backward; softmax, log-softmax, norms, reductions and the
    /// summing of gradients stay float32, as do the loss, every gradient and the whole optimizer graph. ONNX Runtime
    /// accepts the graphs' types and stops only at the CPU provider's missing bfloat16 kernels.
    /// </summary>
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void Bf16GraphsComputeMatrixProductsInBf16AndEverythingElseInFloat32(string family)
    {
        var model = ModelBuilders.For(TinyModels.ByName(family)).Build(new DecoderOptions { HiddenStates = true });
        var config = new KtoConfig
        {
            Precision = new PrecisionSettings { Bf16 = true }, Memory = new MemorySettings { GradientCheckpointing = true, HeadChunkRows = 4 },
            Schedule = new ScheduleSettings { PerDeviceTrainBatchSize = 2 }, Data = new OnnxKto.Data.DataOptions { MaxLength = 8 },
        };
        var graphs = TrainingGraphs.Build(model, config);
        var lowProducers = new HashSet<string> { "Cast", "Flatten", "Gemm", "MatMul", "Transpose" };
        foreach (var g in new[] { graphs.Training, graphs.Eval, graphs.Reference })
        {
            var products = g.Nodes.Where(n => n.OpType is "Gemm" or "MatMul" && n.Inputs.All(i => i is { Shape.Rank: >= 2 })).ToList();
            var wide = products.Where(n => n.Inputs.Any(i => i!.Type != DataType.BFloat16) || n.Outputs[0].Type != DataType.BFloat16).ToList();
            Assert.AreEqual(0, wide.Count, $"{g.Name}: products not in bf16: {string.Join(", ", wide.Take(3))}");
            Assert.IsTrue(products.Count >= 6 * model.Config.NumLayers, $"{g.Name}: {products.Count} products");
            var odd = g.Nodes.Where(n => n.Outputs.Any(o => o.Type == DataType.BFloat16) && !lowProducers.Contains(n.OpType)).ToList();
            Assert.AreEqual(0, odd.Count, $"{g.Name}: other nodes computing in bf16: {string.Join(", ", odd.Take(3))}");
            var statistics = g.Nodes.Where(n => n.OpType is "Softmax" or "LogSoftmax" or "LayerNormalization" or "ReduceMean" or "ReduceSum" or "ReduceMax"
                or "ReduceLogSumExp" or "Sum" or "Add" or "Mul" or "Div" or "Sqrt" or "Exp" or "Log" or "Sigmoid").ToList();
            Assert.IsTrue(statistics.Count > 0 && statistics.All(n => n.Outputs[0].Type is DataType.Float or DataType.Int64 or DataType.Bool),
                $"{g.Name}: statistics in bf16: {string.Join(", ", statistics.Where(n => n.Outputs[0].Type == DataType.BFloat16).Take(3))}");
            Assert.IsTrue(g.Outputs.All(o => o.Type is DataType.Float or DataType.Int64), $"{g.Name}: outputs stay float32");
            // ORT checks the graph's types before it assigns kernels: the CPU provider gets as far as the missing bf16 kernel.
            var e = Assert.ThrowsExactly<OnnxRuntimeFailure>(() => new OnnxSession(g, optimize: false));
            StringAssert.Contains(e.Message, "[ErrorCode:NotImplemented] Could not find an implementation for", $"{g.Name}: {e.Message}");
        }
        Assert.IsTrue(graphs.Training.Nodes.Any(n => n.Name.StartsWith("/backward/") && n.OpType == "Gemm" && n.Outputs[0].Type == DataType.BFloat16),
            "the backward's weight gradients are bf16 products");
        Assert.IsTrue(graphs.Training.Nodes.Any(n => n.Name.StartsWith("/recompute/") && n.OpType == "MatMul" && n.Outputs[0].Type == DataType.BFloat16),
            "recomputed layers keep their precision");
        Assert.IsFalse(graphs.Optimizer.Values.Values.Any(v => v.Type == DataType.BFloat16), "the optimizer is float32");
        Assert.IsFalse(graphs.Training.Inputs.Any(i => i.Name == ArtifactNames.GradientUnscale), "bf16 needs no loss scaling");
    }

    /// <summary>
    /// fp16 artifacts run on the CPU (ONNX Runtime computes their float16 products in float32, see
    /// MixedPrecisionPassTests), so this checks the rewiring end to end: the loss, metrics and every gradient of the fp16
    /// training graph equal the float32 graph's to float16 rounding (relative 2⁻¹¹ per rounding, a few dozen along a
    /// tiny model: tolerance 1e-2), also at a loss scale S = 1024 whose gradients gradient_unscale = 1/S divides back.
    /// </summary>
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void Fp16TrainingGraphMatchesFloat32AndUnscalesItsGradients(string family)
    {
        var model = ModelBuilders.For(TinyModels.ByName(family)).Build(new DecoderOptions { HiddenStates = true });
        var config = new KtoConfig { Loss = new LossSettings(LossType.Kto, Beta: 2) };
        var plain = TrainingGraphs.Build(model, config).Training;
        var half = TrainingGraphs.Build(model, config with { Precision = new PrecisionSettings { Fp16 = true } }).Training;
        Assert.IsTrue(half.Nodes.Count(n => n.OpType == "MatMul" && n.Outputs[0].Type == DataType.Float16) > 0, "products in float16");

        var feeds = Batch_(plain, model, seed: 7).ToDictionary(f => f.Key,
            f => f.Value.Type == DataType.Double ? TensorData.FromFloats(f.Value.Dims, f.Value.ToDoubles().Select(v => (float)v).ToArray()) : f.Value);
        using var plainSession = new OnnxSession(plain, optimize: false);
        using var halfSession = new OnnxSession(half, optimize: false);
        var expected = plainSession.Run(feeds);
        foreach (var scale in new[] { 1f, 1024f })
        {
            var halfFeeds = new Dictionary<string, TensorData>(feeds)
            {
                [ArtifactNames.LossScale] = TensorData.FromFloats([], [scale]), [ArtifactNames.GradientUnscale] = TensorData.FromFloats([], [1 / scale]),
            };
            var actual = halfSession.Run(halfFeeds);
            foreach (var name in plain.Outputs.Select(o => o.Name))
            {
                var (e, a) = (expected[name].ToDoublesWidened(), actual[name].ToDoublesWidened());
                double norm = Math.Sqrt(e.Sum(v => v * v)), error = Math.Sqrt(e.Zip(a, (p, q) => (p - q) * (p - q)).Sum());
                Assert.IsTrue(error <= 1e-2 * Math.Max(norm, 1e-3), $"S = {scale}, '{name}': off by {error:E2} (norm {norm:E2})");
            }
        }
    }

    private static string AccumulationBuffer(string p) => ArtifactNames.AccumulationBuffer(p);

    /// <summary>Turns the value <paramref name="name"/> into a graph input, cutting it from its producer.</summary>
    private static Graph FeedAsInput(Graph g, string name)
    {
        var v = g[name];
        Assert.AreEqual(1, v.Producer!.Outputs.Count, $"'{name}' is its producer's only output");
        g.ReplaceWithInputs(v.Producer);
        return g;
    }

    /// <summary>Random parameters and a random micro-batch with right padding, for every input of the graph.</summary>
    private static Dictionary<string, TensorData> Batch_(Graph training, ModelGraph model, int seed, int rows = Batch)
    {
        var rng = new Random(seed);
        var weights = TinyModels.RandomWeights(model.Parameters, seed);
        var feeds = weights.ToDictionary(w => w.Key, w => TensorData.FromDoubles(w.Value.Dims, w.Value.ToDoublesWidened()));
        long[] Ids(int seq) => Enumerable.Range(0, rows * seq).Select(_ => (long)rng.Next(model.Config.VocabSize)).ToArray();
        long[] Mask(int seq, int[] lengths) => Enumerable.Range(0, rows * seq).Select(i => i % seq < lengths[i / seq % 3] ? 1L : 0L).ToArray();
        long[] Completion(int seq, int[] lengths, int prompt) => Enumerable.Range(0, rows * seq).Select(i => i % seq >= prompt && i % seq < lengths[i / seq % 3] ? 1L : 0L).ToArray();
        T[] Cycle<T>(params T[] values) => Enumerable.Range(0, rows).Select(i => values[i % values.Length]).ToArray();
        int[] lengths = [5, 4, 5], klLengths = [6, 5, 4];
        feeds[ArtifactNames.InputIds] = TensorData.FromLongs([rows, Seq], Ids(Seq));
        feeds[ArtifactNames.AttentionMask] = TensorData.FromLongs([rows, Seq], Mask(Seq, lengths));
        feeds[ArtifactNames.CompletionMask] = TensorData.FromLongs([rows, Seq], Completion(Seq, lengths, 2));
        feeds[ArtifactNames.KlInputIds] = TensorData.FromLongs([rows, KlSeq], Ids(KlSeq));
        feeds[ArtifactNames.KlAttentionMask] = TensorData.FromLongs([rows, KlSeq], Mask(KlSeq, klLengths));
        feeds[ArtifactNames.KlCompletionMask] = TensorData.FromLongs([rows, KlSeq], Completion(KlSeq, klLengths, 2));
        feeds[ArtifactNames.Label] = TensorData.FromBools([rows], Cycle(true, false, true, false));
        feeds[ArtifactNames.ReferenceLogps] = TensorData.FromDoubles([rows], Cycle(-7.1, -6.2, -8.3, -5.9));
        feeds[ArtifactNames.ReferenceKlLogps] = TensorData.FromDoubles([rows], Cycle(-9.5, -8.1, -7.7));
        feeds[ArtifactNames.LossScale] = TensorData.FromDoubles([], [1]);
        feeds[ArtifactNames.KlReferencePoint] = TensorData.FromDoubles([], [0.3]);
        // bco: so many rewards seen that this batch cannot move δ off the mean, which the eval graph uses as is.
        feeds[ArtifactNames.RewardMean] = TensorData.FromDoubles([], [0.05]);
        feeds[ArtifactNames.RewardCount] = TensorData.FromDoubles([], [1e15]);
        foreach (var input in training.Inputs.Where(i => i.Name.EndsWith(".accumulation.buffer")))
            feeds[input.Name] = TensorData.FromDoubles(input.Shape!.ToLongs(), new double[input.Shape!.ElementCount!.Value]);
        return feeds.Where(f => training.Contains(f.Key) && training.Inputs.Contains(training[f.Key])).ToDictionary(f => f.Key, f => f.Value);
    }

    [TestMethod]
    public void TheConfigKeysTurnOnCheckpointingAndSetTheHeadPieces()
    {
        var (config, _) = KtoConfigReader.Parse("gradient_checkpointing: true\nhead_chunk_rows: 4\nper_device_train_batch_size: 2\nmax_length: 8\n", "kto.yaml");
        var model = ModelBuilders.For(TinyModels.ByName("llama")).Build(new DecoderOptions { HiddenStates = true });

        var training = TrainingGraphs.Build(model, config).Training;

        Assert.IsTrue(training.Nodes.Any(n => n.Name.StartsWith("/recompute/policy/layers.0/")), "gradient_checkpointing recomputes the layers");
        Assert.AreEqual(4, config.Memory.HeadChunks(2, 8), "2 x 8 rows in pieces of 4");
        Assert.IsFalse(TrainingGraphs.Build(model, new KtoConfig()).Training.Nodes.Any(n => n.Name.StartsWith("/recompute/policy/layers.")),
            "off by default");
    }

    /// <summary>
    /// Qwen2 shape with adapters on every linear layer, float64: only adapters get gradients (no base-weight gradient
    /// outputs), gradient checkpointing gives the same adapter gradients, and the reference graph is the base's
    /// (no adapter inputs, the same log-probs as the base model's own reference graph).
    /// </summary>
    [TestMethod]
    public void LoraTrainsAdaptersOnlyWithOrWithoutCheckpointingAndTheReferenceIsTheBase()
    {
        var lora = new OnnxKto.Models.Lora.LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = ["all-linear"] };
        var options = new DecoderOptions { Precision = DataType.Double, HiddenStates = true, Lora = lora };
        var model = ModelBuilders.For(TinyModels.Qwen2).Build(options);
        var config = new KtoConfig { Lora = lora, Loss = new LossSettings(LossType.Kto, Beta: 2) };
        var plain = TrainingGraphs.Build(model, config);
        var checkpointed = TrainingGraphs.Build(model, config with { Memory = new MemorySettings { GradientCheckpointing = true } });

        Assert.IsTrue(plain.Trainable.All(p => p.Name.Contains(".lora_")), "only adapters train");
        Assert.AreEqual(2 * 7 * 2, plain.Trainable.Count);
        var gradients = plain.Training.Outputs.Where(o => GradientNames.IsGradient(o.Name)).Select(o => o.Name).ToList();
        CollectionAssert.AreEquivalent(plain.Trainable.Select(p => GradientNames.Of(p.Name)).ToArray(), gradients.ToArray(), "no gradient output for any base weight");

        var feeds = Batch_(plain.Training, model, seed: 6);
        using (var a = new OnnxSession(plain.Training, optimize: false))
        using (var b = new OnnxSession(checkpointed.Training, optimize: false))
        {
            var (x, y) = (a.Run(feeds, gradients), b.Run(feeds, gradients));
            foreach (var name in gradients)
            {
                var (u, v) = (x[name].ToDoubles(), y[name].ToDoubles());
                Assert.IsTrue(u.Any(d => d != 0), $"{name} is not zero");
                for (int i = 0; i < u.Length; i++) Assert.AreEqual(u[i], v[i], 1e-12 * Math.Max(1, Math.Abs(u[i])), $"{name}[{i}] with checkpointing");
            }
        }

        var baseModel = ModelBuilders.For(TinyModels.Qwen2).Build(options with { Lora = null });
        var baseReference = TrainingGraphs.Build(baseModel, new KtoConfig()).Reference;
        Assert.IsFalse(plain.Reference.Inputs.Any(i => i.Name.Contains(".lora_")), "the reference reads no adapter");
        var referenceFeeds = feeds.Where(f => plain.Reference.Inputs.Any(i => i.Name == f.Key)).ToDictionary(f => f.Key, f => f.Value);
        using var reference = new OnnxSession(plain.Reference, optimize: false);
        using var expected = new OnnxSession(baseReference, optimize: false);
        CollectionAssert.AreEqual(expected.Run(referenceFeeds)[ArtifactNames.ReferenceLogps].ToDoubles(), reference.Run(referenceFeeds)[ArtifactNames.ReferenceLogps].ToDoubles());
    }
}
