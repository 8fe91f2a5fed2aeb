using System.Text.RegularExpressions;
using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Lora;
using OnnxKto.Models.Scoring;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Artifacts;

/// <summary>
/// The five graphs of a training artifact set, built from a model's forward graph and a config:
/// training (loss, metrics, accumulated gradients), eval (the same without gradients), reference
/// (frozen log-probs of target and KL sequences), gradient norm and optimizer (one chunk's update). For a LoRA model
/// (<see cref="ModelGraph.LoraLayers"/>) only the adapters and <c>lora_modules_to_save</c> train, and the reference graph
/// is the base model without adapters.
/// </summary>
internal sealed record TrainingGraphs(Graph Training, Graph Eval, Graph Reference, Graph GradientNorm, Graph Optimizer,
    IReadOnlyList<ParameterSpec> Trainable, IReadOnlyList<ParameterSpec> Frozen)
{
    /// <summary>Builds all five graphs from the model's hidden-state graph (<see cref="DecoderOptions.HiddenStates"/>).</summary>
    /// <param name="model">The model's forward graph, built with <see cref="DecoderOptions.HiddenStates"/>.</param>
    /// <param name="config">Loss, optimizer, batch, trainable-parameter and memory settings (gradient checkpointing, head chunks).</param>
    /// <exception cref="UserError">The trainable/frozen patterns select no parameter to train.</exception>
    public static TrainingGraphs Build(ModelGraph model, KtoConfig config)
    {
        var memory = config.Memory;
        if (model.Output.Name != ModelGraph.HiddenStatesName)
            throw new ArgumentException("Training graphs need the model's hidden states: build it with DecoderOptions { HiddenStates = true }.");
        // Under LoRA only the adapters (and lora_modules_to_save) train; the trainable/frozen patterns narrow them further.
        var candidates = model.LoraLayers.Count == 0 ? model.Parameters
            : model.Parameters.Where(p => LoraLayer.IsAdapterParameter(p.Name) || LoraModules.IsSaved(config.Lora, p.Name)).ToList();
        var (trainable, _) = Select(candidates, config.Parameters);
        var frozen = model.Parameters.Except(trainable).ToList();
        int chunks = memory.HeadChunks(config.Loss.RowsPerMicroBatch(config.Schedule.PerDeviceTrainBatchSize), config.Data.MaxLength ?? model.Config.MaxPositions);
        var eval = BuildLossGraph(model, config, "eval", chunks).Graph;
        var training = BuildTraining(model, config, trainable, memory, chunks);
        // The reference is the base with the adapter off, as TRL does with PEFT: the same frozen base tensors, no LoRA branch.
        var reference = BuildReference(model.LoraLayers.Count == 0 ? model
            : ModelBuilders.For(model.Config).Build(new DecoderOptions { HiddenStates = true, Precision = model.Output.Type }), chunks, config.Precision);
        return new TrainingGraphs(training, eval, reference, GradientNormGraph.Build(trainable), OptimizerGraph.Build(config.Optimizer), trainable, frozen);
    }

    /// <summary>
    /// Splits parameters into trainable and frozen: with <c>trainable</c> patterns only matching names train;
    /// <c>frozen</c> patterns then remove names.
    /// </summary>
    public static (IReadOnlyList<ParameterSpec> Trainable, IReadOnlyList<ParameterSpec> Frozen) Select(
        IReadOnlyList<ParameterSpec> parameters, ParameterSelection selection)
    {
        bool Matches(IReadOnlyList<string> patterns, string name) => patterns.Any(p => Regex.IsMatch(name, p));
        var trainable = parameters.Where(p => (selection.Trainable.Count == 0 || Matches(selection.Trainable, p.Name)) && !Matches(selection.Frozen, p.Name)).ToList();
        if (trainable.Count == 0)
            throw new UserError(
                $"The trainable/frozen patterns leave no parameter to train (trainable: [{string.Join(", ", selection.Trainable)}], frozen: [{string.Join(", ", selection.Frozen)}]). " +
                $"Parameter names look like '{parameters[0].Name}'.");
        return (trainable, parameters.Except(trainable).ToList());
    }

    private static Graph BuildTraining(ModelGraph model, KtoConfig config, IReadOnlyList<ParameterSpec> trainable,
        MemorySettings memory, int chunks)
    {
        var (g, loss, policy) = BuildLossGraph(model, config, "training", chunks);
        // Hugging Face divides the loss by the accumulation steps; the runtime feeds 1/steps here (times the fp16 loss scale).
        var scale = g.AddInput(LossScale, model.Output.Type, Shape.Scalar);
        var scaled = new GraphBuilder(g).Mul(loss, scale);
        // Only the policy pass has a backward (the KL pass is detached by the loss), so only its segments matter. A head in
        // one piece is recomputed only under gradient checkpointing: kept, it costs one head GEMM less per step and its
        // (rows, V) tensors stay from the forward (SmolLM2-135M, 4 x 256: +0.4 GiB peak, make bench).
        bool recomputeHead = memory.HeadChunkRows is not null && (chunks > 1 || memory.GradientCheckpointing);
        var checkpoints = (memory.GradientCheckpointing ? policy.Layers : []).Concat(recomputeHead ? policy.Stats.HeadChunks : []);
        var withGradients = ReverseModeAutodiff.Gradients(g, scaled, trainable.Select(p => g[p.Name]), checkpoints: checkpoints);
        AddAccumulation(withGradients, trainable, model.Output.Type, unscale: config.Precision.Fp16);
        return withGradients;
    }

    /// <summary>
    /// Rewrites each <c>p_grad</c> output as accumulation buffer + this step's gradient; with fp16 loss scaling the step's
    /// gradient is first multiplied by <see cref="ArtifactNames.GradientUnscale"/> (1/S, exact for a power of two), so the
    /// buffers and the optimizer see true gradients, and an overflow shows as a non-finite gradient norm.
    /// </summary>
    private static void AddAccumulation(Graph g, IReadOnlyList<ParameterSpec> trainable, DataType precision, bool unscale)
    {
        var b = new GraphBuilder(g);
        using var _ = b.Scope("accumulate");
        var inverse = unscale ? g.AddInput(GradientUnscale, precision, Shape.Scalar) : null;
        foreach (var p in trainable)
        {
            var name = GradientNames.Of(p.Name);
            var stepGradient = g[name];
            g.RemoveOutput(stepGradient);
            g.Rename(stepGradient, name + ".step");
            var buffer = g.AddInput(AccumulationBuffer(p.Name), precision, new Shape(p.Shape.Select(Dim.Of)));
            b.Output(b.Add(buffer, inverse is null ? stepGradient : b.Mul(stepGradient, inverse)), name);
        }
    }

    /// <summary>Forward passes, loss and metrics: the eval graph, and the training graph before gradients.</summary>
    private static (Graph Graph, Value Loss, Pass Policy) BuildLossGraph(ModelGraph model, KtoConfig config, string name, int chunks)
    {
        var g = new Graph(name);
        var b = new GraphBuilder(g);
        var parameters = model.Parameters.ToDictionary(p => p.Name, p => g.AddInput(p.Name, model.Output.Type, new Shape(p.Shape.Select(Dim.Of))));
        var pass = Sequences(b, model, parameters, "policy", InputIds, AttentionMask, CompletionMask, "seq", chunks);
        var graph = new LossGraph(b, pass.Stats, model.Output.Type, training: name == "training",
            () => Sequences(b, model, parameters, "kl", KlInputIds, KlAttentionMask, KlCompletionMask, "kl_seq", chunks).Stats.SequenceLogps);
        var loss = b.Output(TrainingLoss.For(config.Loss).AddTo(graph), Loss);
        return Finish(g, b, config, loss, pass);
    }

    /// <summary>The per-sequence metric outputs every loss shares, and the loss moved to the front.</summary>
    private static (Graph Graph, Value Loss, Pass Policy) Finish(Graph g, GraphBuilder b, KtoConfig config, Value loss, Pass pass)
    {
        var policy = pass.Stats;
        b.Output(policy.SequenceLogps, PolicyLogps);
        b.Output(policy.LogitsSum, LogitsSum);
        b.Output(policy.TokenCount, CompletionTokens);
        // The loss comes first, as ORT's training artifacts order their outputs.
        g.InsertOutput(0, loss);
        return LowPrecision(g, config, loss, pass);
    }

    /// <summary>
    /// Applies <see cref="MixedPrecisionPass"/> for <c>bf16</c>/<c>fp16</c> before autodiff, so the backward products
    /// follow the forward's precision through the Cast rule; the pass keeps value names, so values map by name.
    /// </summary>
    private static (Graph Graph, Value Loss, Pass Policy) LowPrecision(Graph g, KtoConfig config, Value loss, Pass pass)
    {
        if (config.Precision.ComputeType is not { } low) return (g, loss, pass);
        var mixed = MixedPrecisionPass.Apply(g, low);
        CheckpointSegment Map(CheckpointSegment s) => new(s.Inputs.Select(i => mixed[i.Name]).ToList(), mixed[s.Output.Name]);
        var stats = pass.Stats with { HeadChunks = pass.Stats.HeadChunks.Select(Map).ToList() };
        return (mixed, mixed[loss.Name], new Pass(stats, pass.Layers.Select(Map).ToList()));
    }

    private static Graph BuildReference(ModelGraph model, int chunks, PrecisionSettings precision)
    {
        var g = new Graph("reference");
        var b = new GraphBuilder(g);
        var parameters = model.Parameters.ToDictionary(p => p.Name, p => g.AddInput(p.Name, model.Output.Type, new Shape(p.Shape.Select(Dim.Of))));
        b.Output(Sequences(b, model, parameters, "policy", InputIds, AttentionMask, CompletionMask, "seq", chunks).Stats.SequenceLogps, ReferenceLogps);
        b.Output(Sequences(b, model, parameters, "kl", KlInputIds, KlAttentionMask, KlCompletionMask, "kl_seq", chunks).Stats.SequenceLogps, ReferenceKlLogps);
        // The reference runs in the policy's precision, so rewards start at 0 as they do under TRL with bf16.
        return precision.ComputeType is { } low ? MixedPrecisionPass.Apply(g, low) : g;
    }

    /// <summary>One inlined forward pass: its completion statistics and its decoder layers as checkpoint segments.</summary>
    private sealed record Pass(CompletionStatistics Stats, IReadOnlyList<CheckpointSegment> Layers);

    /// <summary>Adds token inputs, inlines the model on them, and returns its completion statistics.</summary>
    private static Pass Sequences(GraphBuilder b, ModelGraph model, IReadOnlyDictionary<string, Value> parameters,
        string scope, string ids, string mask, string completion, string seq, int chunks)
    {
        var shape = new Shape("batch", seq);
        var inputs = new Dictionary<string, Value>(parameters)
        {
            [ModelGraph.InputIds] = b.Graph.AddInput(ids, DataType.Int64, shape),
            [ModelGraph.AttentionMask] = b.Graph.AddInput(mask, DataType.Int64, shape),
        };
        var completionMask = b.Graph.AddInput(completion, DataType.Int64, shape);
        var copies = GraphComposer.InlineValues(b, model.Graph, inputs, scope, new Dictionary<string, string> { ["seq"] = seq });
        var hidden = copies[model.Output];
        using (b.Scope(scope))
            return new Pass(
                CompletionStatistics.FromHiddenStates(b, hidden, parameters[model.HeadWeight], inputs[ModelGraph.InputIds], completionMask, chunks,
                    model.Config.FinalLogitSoftcap),
                model.Layers.Select(l => l.Map(copies)).ToList());
    }
}
