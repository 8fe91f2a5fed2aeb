using Microsoft.ML.OnnxRuntime;
using OnnxKto.Export;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Optimizers;
using static OnnxKto.Training.Artifacts.ArtifactNames;

namespace OnnxKto.Runtime.Training;

/// <summary>
/// Drives a folder of training artifacts on ONNX Runtime, in the role of ORT's deprecated <c>TrainingSession</c>
/// (same method names: TrainStep, EvalStep, LazyResetGrad, OptimizerStep, SetLearningRate, checkpoints).
/// One ORT session per artifact, created once. Parameters, gradients and optimizer state live in preallocated
/// tensors bound by name; the optimizer writes into a second set and the sets swap (ping-pong), and gradient
/// accumulation alternates between two gradient buffers, so a step allocates nothing that grows with the model.
/// Frozen weights are one tensor each, bound to every session that reads them.
/// </summary>
public sealed class TrainingSession : IDisposable
{
    private readonly ArtifactManifest _manifest;
    private readonly TensorStore _store;
    private readonly SessionOptions _options;
    private readonly InferenceSession _training, _optimizer;
    private readonly Lazy<InferenceSession> _eval, _reference;
    private readonly OrtIoBinding _trainBinding, _optimizerBinding;
    private readonly OrtMemoryInfo _host = OrtMemoryInfo.DefaultInstance;
    // One RunOptions for the session's life: a temporary one could be finalized while a native run still uses it.
    private readonly RunOptions _run = new();
    private readonly string _folder;

    private readonly string[] _trainable, _frozen;
    private readonly Dictionary<string, OrtValue> _frozenValues = [];
    private readonly Dictionary<string, OrtValue>[] _parameterSets = [[], []];  // trainable params and optimizer state
    private readonly Dictionary<string, OrtValue>[] _gradients = [[], []];
    private readonly Dictionary<string, OrtValue> _zeroGradients = [];
    private Dictionary<string, OrtValue>? _referenceWeights;
    private readonly float[] _learningRate = [0], _stepNumber = [0];
    private readonly OrtValue _learningRateValue, _stepValue;
    private int _current, _latestGradient = -1;
    private bool _resetGradient = true;

    /// <summary>Opens the artifacts in <paramref name="artifactsFolder"/> at the state of <paramref name="checkpoint"/>.</summary>
    /// <param name="artifactsFolder">Output of <c>onnx-kto artifacts</c>.</param>
    /// <param name="checkpoint">Parameters and optimizer state to start from (the artifacts' own, or a run's).</param>
    /// <param name="device">Where to compute: CPU (default), or CUDA with parameters, gradients and moments in device memory.</param>
    /// <param name="settings">Threads (0: every core), TF32 on CUDA, graph optimizations.</param>
    /// <exception cref="DeviceUnavailableException">CUDA was asked for and cannot be used, with what is missing.</exception>
    public TrainingSession(string artifactsFolder, TrainingCheckpoint checkpoint, ExecutionDevice? device = null, DeviceSessionSettings? settings = null)
    {
        _folder = Path.GetFullPath(artifactsFolder);
        _manifest = ArtifactManifest.Load(_folder);
        Device = device ?? ExecutionDevice.Cpu;
        _options = Device.CreateSessionOptions(settings);
        _store = new TensorStore(Device, _options);
        _training = Open(TrainingModel);
        _optimizer = Open(OptimizerModel);
        _eval = new Lazy<InferenceSession>(() => Open(EvalModel));
        _reference = new Lazy<InferenceSession>(() => Open(ReferenceModel));
        _trainBinding = _training.CreateIoBinding();
        _optimizerBinding = _optimizer.CreateIoBinding();

        _trainable = _manifest.Parameters.Where(p => p.Trainable).Select(p => p.Name).ToArray();
        _frozen = _manifest.Parameters.Where(p => !p.Trainable).Select(p => p.Name).ToArray();
        var stateByParameter = _trainable.ToDictionary(p => p, p => OptimizerGraph.StateNames(_manifest.Config.Optimizer.Kind, p));
        foreach (var name in _frozen) _frozenValues[name] = _store.Upload(Tensor(checkpoint, name));
        foreach (var p in _manifest.Parameters.Where(p => p.Trainable))
        {
            foreach (var name in stateByParameter[p.Name].Prepend(p.Name))
            {
                _parameterSets[0][name] = _store.Upload(Tensor(checkpoint, name));
                _parameterSets[1][name] = _store.Allocate(DataType.Float, p.Shape);
            }
            for (int i = 0; i < 2; i++) _gradients[i][p.Name] = _store.Allocate(DataType.Float, p.Shape);
            _zeroGradients[p.Name] = _store.Zeros(DataType.Float, p.Shape);
        }
        Step = checkpoint.Step;
        _learningRateValue = OrtValue.CreateTensorValueFromMemory(_learningRate, []);
        _stepValue = OrtValue.CreateTensorValueFromMemory(_stepNumber, []);
    }

    public ExecutionDevice Device { get; }

    /// <summary>Optimizer updates applied so far.</summary>
    public long Step { get; private set; }

    public ArtifactManifest Manifest => _manifest;

    /// <summary>The rate the next <see cref="OptimizerStep"/> uses.</summary>
    public void SetLearningRate(double rate) => _learningRate[0] = (float)rate;

    public double GetLearningRate() => _learningRate[0];

    /// <summary>Makes the next <see cref="TrainStep"/> start a fresh gradient instead of adding to the current one.</summary>
    public void LazyResetGrad() => _resetGradient = true;

    /// <summary>
    /// Forward and backward on one micro-batch; adds its gradient (scaled by <paramref name="lossScale"/>, e.g.
    /// 1/accumulation steps) to the accumulated one.
    /// </summary>
    public TrainStepResult TrainStep(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps, float lossScale)
    {
        var inputs = BatchInputs(batch, referenceLogps, referenceKlLogps, _training.InputNames, lossScale);
        try
        {
            foreach (var name in _trainable) _trainBinding.BindInput(name, _parameterSets[_current][name]);
            foreach (var name in _frozen) _trainBinding.BindInput(name, _frozenValues[name]);
            int target = _latestGradient < 0 ? 0 : 1 - _latestGradient;
            foreach (var name in _trainable)
            {
                _trainBinding.BindInput(AccumulationBuffer(name), _resetGradient ? _zeroGradients[name] : _gradients[_latestGradient][name]);
                _trainBinding.BindOutput(name + "_grad", _gradients[target][name]);
            }
            foreach (var (name, value) in inputs) _trainBinding.BindInput(name, value);
            var metrics = _training.OutputNames.Where(o => !o.EndsWith("_grad", StringComparison.Ordinal)).ToList();
            foreach (var name in metrics) _trainBinding.BindOutputToDevice(name, _host);
            OrtCalls.Guard("run the training step", () => { _training.RunWithBinding(_run, _trainBinding); return 0; });
            _latestGradient = target;
            _resetGradient = false;
            return ReadMetrics(_trainBinding);
        }
        finally
        {
            foreach (var (_, value) in inputs) value.Dispose();
        }
    }

    /// <summary>The eval graph's loss and metrics on one micro-batch at the current parameters (no gradients).</summary>
    public TrainStepResult EvalStep(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps)
    {
        var session = _eval.Value;
        var inputs = BatchInputs(batch, referenceLogps, referenceKlLogps, session.InputNames, 1);
        using var binding = session.CreateIoBinding();
        try
        {
            foreach (var name in _trainable) binding.BindInput(name, _parameterSets[_current][name]);
            foreach (var name in _frozen) binding.BindInput(name, _frozenValues[name]);
            foreach (var (name, value) in inputs) binding.BindInput(name, value);
            foreach (var name in session.OutputNames) binding.BindOutputToDevice(name, _host);
            OrtCalls.Guard("run the eval step", () => { session.RunWithBinding(_run, binding); return 0; });
            return ReadMetrics(binding);
        }
        finally
        {
            foreach (var (_, value) in inputs) value.Dispose();
        }
    }

    /// <summary>
    /// Applies one update from the accumulated gradient and returns the global gradient norm before clipping.
    /// A non-finite norm leaves the parameters untouched (the update is skipped) and is returned as is.
    /// </summary>
    public double OptimizerStep()
    {
        if (_latestGradient < 0) throw new InvalidOperationException("OptimizerStep needs a TrainStep first.");
        int next = 1 - _current;
        _stepNumber[0] = Step + 1;
        _optimizerBinding.BindInput(OptimizerGraph.LearningRate, _learningRateValue);
        _optimizerBinding.BindInput(OptimizerGraph.Step, _stepValue);
        foreach (var (name, value) in _parameterSets[_current])
        {
            _optimizerBinding.BindInput(name, value);
            _optimizerBinding.BindOutput(OptimizerGraph.Updated(name), _parameterSets[next][name]);
        }
        foreach (var name in _trainable) _optimizerBinding.BindInput(name + "_grad", _gradients[_latestGradient][name]);
        _optimizerBinding.BindOutputToDevice(OptimizerGraph.GradNorm, _host);
        OrtCalls.Guard("run the optimizer step", () => { _optimizer.RunWithBinding(_run, _optimizerBinding); return 0; });
        using var outputs = _optimizerBinding.GetOutputValues();
        var names = _optimizerBinding.GetOutputNames().ToList();
        double norm = outputs[names.IndexOf(OptimizerGraph.GradNorm)].GetTensorDataAsSpan<float>()[0];
        LazyResetGrad();
        if (!double.IsFinite(norm)) return norm;
        _current = next;
        Step++;
        return norm;
    }

    /// <summary>
    /// Reference log-probs of target and KL sequences with the artifact's initial weights (the frozen reference model).
    /// </summary>
    public (float[] Target, float[] Kl) ComputeReferenceLogps(MicroBatch.Sequences target, MicroBatch.Sequences kl, int rows)
    {
        var session = _reference.Value;
        _referenceWeights ??= LoadReferenceWeights();
        using var binding = session.CreateIoBinding();
        var inputs = new List<(string, OrtValue)>();
        try
        {
            inputs.AddRange(SequenceInputs(target, rows, InputIds, AttentionMask, CompletionMask));
            inputs.AddRange(SequenceInputs(kl, rows, KlInputIds, KlAttentionMask, KlCompletionMask));
            foreach (var (name, value) in _referenceWeights) binding.BindInput(name, value);
            foreach (var (name, value) in inputs) binding.BindInput(name, value);
            foreach (var name in session.OutputNames) binding.BindOutputToDevice(name, _host);
            OrtCalls.Guard("run the reference model", () => { session.RunWithBinding(_run, binding); return 0; });
            using var values = binding.GetOutputValues();
            var names = binding.GetOutputNames().ToList();
            return (values[names.IndexOf(ReferenceLogps)].GetTensorDataAsSpan<float>().ToArray(),
                values[names.IndexOf(ReferenceKlLogps)].GetTensorDataAsSpan<float>().ToArray());
        }
        finally
        {
            foreach (var (_, value) in inputs) value.Dispose();
        }
    }

    /// <summary>Parameters and optimizer state as a checkpoint (host copies).</summary>
    public TrainingCheckpoint SaveCheckpoint(IReadOnlyDictionary<string, string> metadata)
    {
        var tensors = new Dictionary<string, TensorData>();
        foreach (var (name, value) in _frozenValues) tensors[name] = _store.Download(value);
        foreach (var (name, value) in _parameterSets[_current]) tensors[name] = _store.Download(value);
        return TrainingCheckpoint.Create(tensors, Step, metadata);
    }

    /// <summary>
    /// ORT's <c>ExportModelForInferencing</c>: the current parameters as a serving folder (model.onnx with a KV cache,
    /// genai_config.json, tokenizer, model.safetensors, config.json); see <see cref="ModelExporter"/>.
    /// </summary>
    public IReadOnlyList<string> ExportModelForInferencing(string outDir, Action<string>? log = null)
    {
        var names = _manifest.Parameters.Select(p => p.Name).ToHashSet();
        var weights = SaveCheckpoint(new Dictionary<string, string>()).Tensors.Where(t => names.Contains(t.Key)).ToDictionary(t => t.Key, t => t.Value);
        return ModelExporter.Export(new ModelSource(_manifest.Model, _manifest.ModelConfig, weights), outDir, log: log);
    }

    public void Dispose()
    {
        _trainBinding.Dispose();
        _optimizerBinding.Dispose();
        _training.Dispose();
        _optimizer.Dispose();
        if (_eval.IsValueCreated) _eval.Value.Dispose();
        if (_reference.IsValueCreated) _reference.Value.Dispose();
        foreach (var set in _parameterSets.Concat(_gradients).Append(_zeroGradients).Append(_frozenValues).Append(_referenceWeights ?? []))
            foreach (var v in set.Values) v.Dispose();
        _learningRateValue.Dispose();
        _stepValue.Dispose();
        _store.Dispose();
        _run.Dispose();
        _options.Dispose();
    }

    private InferenceSession Open(string file) =>
        OrtCalls.Guard($"load {Path.Combine(_folder, file)}", () => new InferenceSession(Path.Combine(_folder, file), _options));

    private static TensorData Tensor(TrainingCheckpoint checkpoint, string name) =>
        checkpoint.Tensors.TryGetValue(name, out var t) ? t
            : throw new InvalidDataException($"The checkpoint has no tensor '{name}', which the artifacts need; was it made for other artifacts?");

    private Dictionary<string, OrtValue> LoadReferenceWeights()
    {
        // Frozen weights never change, so the reference shares their tensors; trainable ones come from the initial checkpoint.
        var initial = TrainingCheckpoint.Load(Path.Combine(_folder, Checkpoint));
        var weights = new Dictionary<string, OrtValue>(_frozenValues);
        foreach (var name in _trainable) weights[name] = _store.Upload(Tensor(initial, name));
        return weights;
    }

    private static List<(string, OrtValue)> BatchInputs(MicroBatch batch, float[]? referenceLogps, float[]? referenceKlLogps,
        IReadOnlyList<string> wanted, float lossScale)
    {
        var inputs = new List<(string, OrtValue)>();
        inputs.AddRange(SequenceInputs(batch.Target, batch.Size, InputIds, AttentionMask, CompletionMask));
        if (wanted.Contains(KlInputIds))
            inputs.AddRange(SequenceInputs(batch.Kl ?? throw new ArgumentException("This loss needs KL sequences."), batch.Size,
                KlInputIds, KlAttentionMask, KlCompletionMask));
        if (wanted.Contains(Label))
            inputs.Add((Label, OrtValue.CreateTensorValueFromMemory(batch.Labels, [batch.Size])));
        if (wanted.Contains(ReferenceLogps))
            inputs.Add((ReferenceLogps, OrtValue.CreateTensorValueFromMemory(referenceLogps ?? throw new ArgumentException("This loss needs reference log-probs."), [batch.Size])));
        if (wanted.Contains(ReferenceKlLogps))
            inputs.Add((ReferenceKlLogps, OrtValue.CreateTensorValueFromMemory(referenceKlLogps ?? throw new ArgumentException("This loss needs reference KL log-probs."), [batch.Size])));
        if (wanted.Contains(LossScale))
            inputs.Add((LossScale, OrtValue.CreateTensorValueFromMemory(new[] { lossScale }, [])));
        return inputs;
    }

    private static IEnumerable<(string, OrtValue)> SequenceInputs(MicroBatch.Sequences s, int rows, string ids, string mask, string completion)
    {
        long[] shape = [rows, s.Length];
        yield return (ids, OrtValue.CreateTensorValueFromMemory(s.Ids, shape));
        yield return (mask, OrtValue.CreateTensorValueFromMemory(s.AttentionMask, shape));
        yield return (completion, OrtValue.CreateTensorValueFromMemory(s.CompletionMask, shape));
    }

    private static TrainStepResult ReadMetrics(OrtIoBinding binding)
    {
        using var values = binding.GetOutputValues();
        var names = binding.GetOutputNames().ToList();
        float[] Get(string name) => names.IndexOf(name) is var i and >= 0 ? values[i].GetTensorDataAsSpan<float>().ToArray() : [];
        var kl = Get(Kl);
        return new TrainStepResult(Get(Loss)[0], Get(PolicyLogps), Get(Rewards), kl.Length > 0 ? kl[0] : 0, Get(LogitsSum), Get(CompletionTokens));
    }
}
