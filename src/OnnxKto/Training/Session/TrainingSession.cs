using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Optimizers;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Training.Session;

/// <summary>
/// Drives a folder of training artifacts on ONNX Runtime, in the role of ORT's deprecated <c>TrainingSession</c>
/// (same method names: TrainStep, EvalStep, LazyResetGrad, OptimizerStep, SetLearningRate, checkpoints).
/// One session per artifact, created once, on a <see cref="DeviceContext"/>. Parameters, gradients and optimizer
/// state live in preallocated tensors bound by name, so a step allocates nothing that grows with the model:
/// <list type="bullet">
/// <item>Parameters and optimizer state are held once: the optimizer updates them in place, on the CPU in a host loop
/// (<see cref="HostOptimizer"/>), on CUDA through the gradient norm and optimizer graphs (<see cref="GraphOptimizer"/>),
/// which update flat chunks through a scratch of (1 + states) chunks, not a second set.</item>
/// <item>One gradient buffer per parameter; a second only when micro-batches accumulate (the training graph reads
/// the running sum and writes the new one, so the two alternate). A fresh gradient reads a zero tensor shared by
/// every parameter of the same shape.</item>
/// <item>Frozen weights are one tensor each, bound to every session that reads them, the reference model's included.</item>
/// </list>
/// </summary>
public sealed class TrainingSession : IDisposable
{
    private readonly ArtifactManifest _manifest;
    private readonly DeviceContext _context;
    private readonly BoundSession _training;
    private readonly Lazy<BoundSession> _eval;
    private readonly IOptimizer _optimizer;
    private readonly string _folder;
    private readonly ParameterStore _parameters;
    private readonly GradientBuffers _gradients;
    private readonly ReferenceModel _reference;
    private readonly DynamicLossScaler? _scaler;
    private float _learningRate;
    private readonly Dictionary<string, float[]> _lossInputs = [];
    private bool _disposed;

    /// <summary>Opens the artifacts in <paramref name="artifactsFolder"/> at the state of <paramref name="checkpoint"/>.</summary>
    /// <param name="artifactsFolder">Output of <c>onnx-kto artifacts</c>.</param>
    /// <param name="checkpoint">Parameters and optimizer state to start from (the artifacts' own, or a run's).</param>
    /// <param name="device">Where to compute: CPU (default), or CUDA with parameters, gradients and moments in device memory.</param>
    /// <param name="settings">Threads (0: every core), TF32 on CUDA, graph optimizations.</param>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and cannot be used, with what is missing.</exception>
    /// <exception cref="UserError">The artifacts compute in bfloat16 and the device is the CPU, which has no bfloat16 kernels;
    /// or CUDA was asked for and the artifacts were made by an earlier onnx-kto (no gradient norm graph) or train a tensor over 2 GiB
    /// (the CPU trains tensors of any size).</exception>
    public TrainingSession(string artifactsFolder, TrainingCheckpoint checkpoint, ExecutionDevice? device = null, DeviceSessionSettings? settings = null)
        : this(artifactsFolder, checkpoint, device, settings, optimizerGraphChunk: null)
    {
    }

    /// <summary>
    /// As the public constructor; <paramref name="optimizerGraphChunk"/> runs the optimizer graphs on any device with
    /// chunks of that many elements (tests run CUDA's path on the CPU with it), null: on CUDA only, with 16M-element chunks.
    /// </summary>
    internal TrainingSession(string artifactsFolder, TrainingCheckpoint checkpoint, ExecutionDevice? device, DeviceSessionSettings? settings,
        long? optimizerGraphChunk)
    {
        _folder = Path.GetFullPath(artifactsFolder);
        _manifest = ArtifactManifest.Load(_folder);
        if (_manifest.Config.Precision.Bf16 && !(device ?? ExecutionDevice.Cpu).IsCuda)
            throw new UserError(
                $"The artifacts in '{_folder}' compute in bfloat16 (bf16: true), which needs --device cuda: ONNX Runtime's CPU provider has no bfloat16 MatMul or Gemm.",
                "Train with --device cuda, or generate CPU artifacts with --set bf16=false (fp16: true runs on the CPU, slowly).");
        if (_manifest.Config.Precision.Fp16) _scaler = DynamicLossScaler.FromMetadata(checkpoint.Metadata);
        _context = new DeviceContext(device ?? ExecutionDevice.Cpu, settings);
        _training = Open(TrainingModel);
        _eval = new Lazy<BoundSession>(() => Open(EvalModel));
        _optimizer = Device.IsCuda || optimizerGraphChunk is not null
            ? OpenGraphOptimizer(optimizerGraphChunk ?? GraphOptimizer.DefaultChunkElements)
            : new HostOptimizer(_manifest.Config.Optimizer);
        if (checkpoint.Metadata.TryGetValue(Loop.CheckpointMetadata.ModelFingerprintKey, out var fingerprint) && fingerprint != _manifest.ModelFingerprint)
            throw new InvalidDataException(
                $"The checkpoint was trained from another model (fingerprint {fingerprint}) than the artifacts in '{_folder}' ({_manifest.ModelFingerprint}); resume with the artifacts it was made with.");
        _parameters = new ParameterStore(_context, _manifest, checkpoint, () => TrainingCheckpoint.Open(Path.Combine(_folder, Checkpoint)));
        _gradients = new GradientBuffers(_context, _manifest.Parameters.Where(p => p.Trainable).ToList());
        _reference = new ReferenceModel(_context, _folder, _parameters, () => Step);
        Step = checkpoint.Step;
        // Trainable tensors were copied out of the checkpoint's mapped file, whose views are garbage now: unmap them before activations need the room.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <summary>Where the sessions run and the parameters, gradients and optimizer state live.</summary>
    public ExecutionDevice Device => _context.Device;

    /// <summary>Optimizer updates applied so far.</summary>
    public long Step { get; private set; }

    /// <summary>The manifest of the artifacts the session was opened on.</summary>
    public ArtifactManifest Manifest => _manifest;

    /// <summary>
    /// The fp16 dynamic loss scale the next <see cref="TrainStep"/> multiplies the loss by (its gradients are divided by
    /// it again), or null when the artifacts are not fp16.
    /// </summary>
    public double? DynamicLossScale => _scaler?.Scale;

    /// <summary>The rate the next <see cref="OptimizerStep"/> uses.</summary>
    public void SetLearningRate(double rate) => _learningRate = (float)rate;

    /// <summary>
    /// Sets a scalar input of the training and eval graphs that the loop, not the micro-batch, decides (e.g.
    /// <see cref="ArtifactNames.KlReferencePoint"/>); it holds for every later step until set again.
    /// </summary>
    /// <param name="name">The graph input, one of <see cref="ArtifactNames"/>' loss inputs.</param>
    /// <param name="value">Its value.</param>
    public void SetLossInput(string name, double value) => _lossInputs[name] = [(float)value];

    /// <summary>Makes the next <see cref="TrainStep"/> start a fresh gradient instead of adding to the current one.</summary>
    public void LazyResetGrad() => _gradients.LazyReset();

    /// <summary>
    /// Forward and backward on one micro-batch; adds its gradient (scaled by <paramref name="lossScale"/>, e.g.
    /// 1/accumulation steps) to the accumulated one. With fp16 the backward also runs at <see cref="DynamicLossScale"/>.
    /// </summary>
    public TrainStepResult TrainStep(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps, float lossScale)
    {
        _parameters.BindTo(_training);
        int target = _gradients.BindStep(_training);
        var inputs = SessionInputs.ForBatch(batch, referenceLogps, referenceKlLogps, _training.InputNames, (float)(lossScale * (_scaler?.Scale ?? 1)), _lossInputs);
        if (_scaler is not null) inputs.Add((GradientUnscale, DeviceTensor.OverHost(new[] { (float)(1 / _scaler.Scale) })));
        // The gradients are bound to their buffers; only the loss and the metrics come back.
        var outputs = SessionInputs.Run(_training, inputs, "run the training step", boundElsewhere: GradientNames.IsGradient);
        _gradients.Commit(target);
        return Metrics(outputs);
    }

    /// <summary>The eval graph's loss and metrics on one micro-batch at the current parameters (no gradients).</summary>
    public TrainStepResult EvalStep(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps)
    {
        var session = _eval.Value;
        _parameters.BindTo(session);
        return Metrics(SessionInputs.Run(session, SessionInputs.ForBatch(batch, referenceLogps, referenceKlLogps, session.InputNames, 1, _lossInputs), "run the eval step"));
    }

    /// <summary>
    /// Applies one update from the accumulated gradient and returns the global gradient norm before clipping.
    /// A non-finite norm leaves the parameters untouched (the update is skipped) and is returned as is; with fp16 it
    /// also halves <see cref="DynamicLossScale"/>, and a run of good updates grows it (<see cref="DynamicLossScaler"/>).
    /// </summary>
    public double OptimizerStep()
    {
        if (!_gradients.Any) throw new InvalidOperationException("OptimizerStep needs a TrainStep first.");
        var parameters = _manifest.Parameters.Where(p => p.Trainable).Select(p => new OptimizerParameter(p.Name, _parameters[p.Name],
            _gradients[p.Name], _parameters.StateNames(p.Name).Select(s => _parameters[s]).ToList(), p.Decay)).ToList();
        double norm = _optimizer.Step(parameters, _learningRate, Step + 1);
        _scaler?.Update(double.IsFinite(norm));
        LazyResetGrad();
        if (double.IsFinite(norm)) Step++;
        _reference.AfterUpdate();  // weights it borrowed from the parameters have moved on
        return norm;
    }

    /// <summary>
    /// Frees the reference model (its session and the initial weights of trainable parameters): call it once the
    /// reference log-probs are cached. A later <see cref="ComputeReferenceLogps"/> loads them again.
    /// </summary>
    public void ReleaseReferenceModel() => _reference.Release();

    // Artifacts from before the optimizer ran in chunks have no gradient norm graph, and an optimizer graph over whole tensors.
    private GraphOptimizer OpenGraphOptimizer(long chunkElements)
    {
        if (!_manifest.Graphs.ContainsKey(GradientNormModel))
            throw new UserError(
                $"The artifacts in '{_folder}' were made by an earlier onnx-kto: they have no {GradientNormModel}, and their {OptimizerModel} " +
                "updates whole tensors into a second copy of the parameters and optimizer state.",
                "Re-run 'onnx-kto artifacts' with the same model and config into a new folder and train with that one; " +
                "checkpoints of the old folder load on it (same model and config fingerprints).");
        var largest = _manifest.Parameters.Where(p => p.Trainable).Select(p => (p.Name, Count: p.Shape.Aggregate(1L, (n, d) => n * d))).MaxBy(p => p.Count);
        if (Device.IsCuda && largest.Count * sizeof(float) > DeviceTensor.MaxAddressableBytes)
            throw new UserError(
                $"The trainable parameter '{largest.Name}' holds {largest.Count:N0} float32 values, over 2 GiB: the optimizer graphs update it through " +
                "views at an offset, and ONNX Runtime's C# API gives the address of tensors up to 2 GiB only.",
                $"Regenerate the artifacts with it frozen ('onnx-kto artifacts ... --set frozen=[{largest.Name}]') or with LoRA (--set use_peft=true).");
        return new GraphOptimizer(_context, Open(GradientNormModel), Open(OptimizerModel), _manifest.Config.Optimizer, largest.Count, chunkElements);
    }

    /// <summary>
    /// Reference log-probs of target and KL sequences with the artifact's initial weights (the frozen reference model).
    /// </summary>
    public (float[] Target, float[] Kl) ComputeReferenceLogps(MicroBatch.Sequences target, MicroBatch.Sequences kl, int rows) =>
        _reference.Compute(target, kl, rows);

    /// <summary>
    /// The policy's log-probs of KL sequences at the current parameters, without gradient (for kl_estimate step and
    /// running): the reference graph run on the trainable parameters instead of the initial ones. Its target half
    /// gets a one-token stub per row (token 0), whose result is dropped; data parallelism uses it too, to agree on the KL estimate.
    /// </summary>
    public float[] ComputePolicyKlLogps(MicroBatch.Sequences kl, int rows) => _reference.PolicyKl(kl, rows);

    /// <summary>The accumulated gradient of each trainable parameter (manifest order), for averaging across ranks before <see cref="OptimizerStep"/>.</summary>
    internal IReadOnlyList<DeviceTensor> AccumulatedGradients() => _parameters.Trainable.Select(name => _gradients[name]).ToList();

    /// <summary>
    /// Parameters and optimizer state (and the fp16 loss scaler's state, in the metadata) as a checkpoint whose tensors
    /// are downloaded when read: saving it streams them, one host copy at a time. Save or read it before the next update.
    /// A LoRA run's holds the trainable tensors (adapters, <c>lora_modules_to_save</c>) and their state only: the frozen
    /// base is the artifacts' initial checkpoint.
    /// </summary>
    public TrainingCheckpoint SaveCheckpoint(IReadOnlyDictionary<string, string> metadata)
    {
        // Downloaded one at a time as the checkpoint is written, never all at once.
        var saved = _parameters.Saved(withFrozen: !_manifest.Config.Lora.UsePeft);
        long step = Step;
        var tensors = new LazyTensors(saved.Select(kv => new LazyTensors.Entry(kv.Key, kv.Value.Type, kv.Value.Dims, () => Download(kv.Value, step))));
        if (_scaler is not null) metadata = metadata.Concat(_scaler.ToMetadata()).ToDictionary();
        return TrainingCheckpoint.Create(tensors, Step, metadata);
    }

    /// <summary>
    /// The model at the current parameters (host copies, no optimizer state): what ORT's
    /// <c>ExportModelForInferencing</c> starts from. Hand it to the exporter to write a serving folder.
    /// A LoRA run's adapters are merged into the base weights (W + (α/r)·B·A).
    /// </summary>
    public ModelSource CurrentModel()
    {
        var weights = _parameters.Download();
        var adapter = CurrentAdapter(weights);
        return new ModelSource(_manifest.Model, _manifest.ModelConfig, adapter is null ? weights : adapter.Merge(weights));
    }

    private LoraAdapter? CurrentAdapter(IReadOnlyDictionary<string, TensorData> weights) => _manifest.Config.Lora.UsePeft
        ? LoraAdapter.From(_manifest.Config.Lora, ModelBuilders.LoraLayers(_manifest.ModelConfig, _manifest.Config.Lora), weights)
        : null;

    // A checkpoint's tensor, read while the session still holds it at the checkpoint's update.
    private TensorData Download(DeviceTensor tensor, long step) =>
        _disposed ? throw new ObjectDisposedException(nameof(TrainingSession), "A checkpoint's tensors are read from the session that made it: save or read it before disposing the session.")
        : Step != step ? throw new InvalidOperationException($"This checkpoint was taken at update {step} and the session is at update {Step}: save or read a checkpoint before the next update.")
        : _context.Download(tensor);

    /// <summary>Releases the sessions and every device tensor they hold.</summary>
    public void Dispose()
    {
        _disposed = true;
        _training.Dispose();
        _optimizer.Dispose();
        if (_eval.IsValueCreated) _eval.Value.Dispose();
        _reference.Dispose();
        _gradients.Dispose();
        _parameters.Dispose();
        _context.Dispose();
    }

    private BoundSession Open(string file) => _context.Open(Path.Combine(_folder, file));

    private static TrainStepResult Metrics(IReadOnlyDictionary<string, TensorData> outputs)
    {
        float[] Get(string name) => outputs.TryGetValue(name, out var t) ? t.ToFloats() : [];
        var kl = Get(Kl);
        var delta = Get(Delta);
        return new TrainStepResult(Get(Loss)[0], Get(PolicyLogps), Get(Rewards), kl.Length > 0 ? kl[0] : 0, Get(LogitsSum), Get(CompletionTokens),
            delta.Length > 0 ? delta[0] : 0);
    }
}
