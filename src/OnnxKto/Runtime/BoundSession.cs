using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime;

/// <summary>
/// One ONNX Runtime session driven by IO binding: inputs and outputs are bound by name to <see cref="DeviceTensor"/>s
/// that stay where they are between runs, and the small outputs asked for on the host come back as
/// <see cref="TensorData"/>. Bindings persist across runs; binding a name again replaces it.
/// </summary>
internal sealed class BoundSession : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    // One RunOptions for the session's life: a temporary one could be finalized while a native run still uses it.
    private readonly RunOptions _run = new();
    private readonly HashSet<string> _hostOutputs = new(StringComparer.Ordinal);
    private readonly string _name;
    private readonly bool _ownsSession;

    /// <summary>Binds <paramref name="session"/>; disposing this disposes the session too unless <paramref name="ownsSession"/> is false.</summary>
    internal BoundSession(InferenceSession session, string name, bool ownsSession = true)
    {
        _session = session;
        _binding = session.CreateIoBinding();
        _name = name;
        _ownsSession = ownsSession;
    }

    /// <summary>The model's input names, in its order.</summary>
    public IReadOnlyList<string> InputNames => _session.InputNames;

    /// <summary>Initializers the model lets a run override by feeding an input of the same name (LoRA adapter matrices).</summary>
    public IReadOnlyCollection<string> OverridableInitializerNames => _session.OverridableInitializerMetadata.Keys.ToList();

    /// <summary>The model's output names, in its order.</summary>
    public IReadOnlyList<string> OutputNames => _session.OutputNames;

    /// <summary>Feeds <paramref name="tensor"/> (not copied) to input <paramref name="input"/> on the next runs.</summary>
    public void BindInput(string input, DeviceTensor tensor) => _binding.BindInput(input, tensor.Value);

    /// <summary>Makes the next runs write output <paramref name="output"/> into <paramref name="buffer"/>, in place.</summary>
    public void BindOutput(string output, DeviceTensor buffer)
    {
        _hostOutputs.Remove(output);
        _binding.BindOutput(output, buffer.Value);
    }

    /// <summary>Makes the next runs return output <paramref name="output"/> from <see cref="Run"/>, in host memory.</summary>
    public void BindOutputToHost(string output)
    {
        _hostOutputs.Add(output);
        _binding.BindOutputToDevice(output, OrtMemoryInfo.DefaultInstance);
    }

    /// <summary>Runs the model with the current bindings.</summary>
    /// <param name="what">What the run is for, for the error message (e.g. "run the training step").</param>
    /// <returns>Host copies of the outputs bound with <see cref="BindOutputToHost"/>, by name.</returns>
    /// <exception cref="OnnxRuntimeFailure">ORT rejected a binding or failed in a kernel.</exception>
    public Dictionary<string, TensorData> Run(string what)
    {
        OrtCalls.Guard($"{what} ({_name})", () => { _session.RunWithBinding(_run, _binding); return 0; });
        var names = _binding.GetOutputNames();
        using var values = _binding.GetOutputValues();
        var host = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++)
            if (_hostOutputs.Contains(names[i])) host[names[i]] = OrtTensors.FromOrtValue(values[i]);
        return host;
    }

    /// <summary>
    /// Runs the model with every output bound to host memory that ONNX Runtime allocates for this run, and hands those
    /// buffers over as they are: no copy, the caller disposes them (a KV cache fed back as the next run's input).
    /// </summary>
    /// <param name="what">What the run is for, for the error message.</param>
    /// <returns>Every output by name, owned by the caller.</returns>
    /// <exception cref="OnnxRuntimeFailure">ORT rejected a binding or failed in a kernel.</exception>
    public Dictionary<string, DeviceTensor> RunKeepingOutputs(string what)
    {
        foreach (var output in _session.OutputNames) _binding.BindOutputToDevice(output, OrtMemoryInfo.DefaultInstance);
        _hostOutputs.Clear();
        OrtCalls.Guard($"{what} ({_name})", () => { _session.RunWithBinding(_run, _binding); return 0; });
        var names = _binding.GetOutputNames();
        // The collection is not disposed: disposing it would free the buffers handed over.
        var values = _binding.GetOutputValues();
        var kept = new Dictionary<string, DeviceTensor>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) kept[names[i]] = new DeviceTensor(values[i]);
        return kept;
    }

    public void Dispose()
    {
        _binding.Dispose();
        if (_ownsSession) _session.Dispose();
        _run.Dispose();
    }
}
