using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Runtime;

/// <summary>
/// A plain ONNX Runtime session over a <see cref="Graph"/> or a model file, fed and read as <see cref="TensorData"/>.
/// For tools, tests, generation and one-off passes; the training loop binds preallocated buffers instead.
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession _session;

    /// <summary>Creates a CPU session over <paramref name="graph"/>.</summary>
    /// <param name="graph">The graph to run (serialized in memory).</param>
    /// <param name="optimize">Run ORT's graph optimizations (off gives the unfused reference behaviour).</param>
    /// <param name="threads">Intra-op threads; 0 lets ORT decide.</param>
    public OnnxSession(Graph graph, bool optimize = true, int threads = 0)
    {
        Graph = graph;
        using var options = Options(optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL, threads);
        _session = OrtCalls.Guard($"load graph '{graph.Name}'", () => new InferenceSession(OnnxModelFile.ToBytes(graph), options));
        OutputNames = _session.OutputNames.ToList();
    }

    /// <summary>
    /// Creates a CPU session over the model file <paramref name="path"/>, whose external data ORT maps from beside it.
    /// The file is checked first (<see cref="OnnxModelFile.CheckExternalData"/>): an untrusted model cannot make ORT
    /// read outside its folder.
    /// </summary>
    /// <param name="path">An <c>.onnx</c> file, e.g. an exported <c>model.onnx</c>.</param>
    /// <param name="threads">Intra-op threads; 0 lets ORT decide.</param>
    /// <param name="optimizedModelPath">When set, ORT also writes its optimized graph there (extended level, so the
    /// copy does not depend on this machine's CPU), with weights in <c>&lt;file&gt;.data</c> beside it.</param>
    /// <exception cref="InvalidDataException">The file is not a valid model or its external data leaves its folder.</exception>
    /// <exception cref="OnnxRuntimeFailure">ORT could not load the model.</exception>
    public OnnxSession(string path, int threads = 0, string? optimizedModelPath = null)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' does not exist.", path);
        OnnxModelFile.CheckExternalData(path);
        using var options = Options(optimizedModelPath is null ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_ENABLE_EXTENDED, threads);
        if (optimizedModelPath is not null)
        {
            options.OptimizedModelFilePath = optimizedModelPath;
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_file_name", Path.GetFileName(optimizedModelPath) + ".data");
            options.AddSessionConfigEntry("session.optimized_model_external_initializers_min_size_in_bytes", OnnxModelFile.ExternalThresholdBytes.ToString());
        }
        _session = OrtCalls.Guard($"load model '{path}'", () => new InferenceSession(path, options));
        OutputNames = _session.OutputNames.ToList();
    }

    /// <summary>The graph the session was made from; null for a session over a file.</summary>
    public Graph? Graph { get; }

    /// <summary>Output names, in the model's order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Runs the graph and returns the requested outputs (all graph outputs when null).</summary>
    /// <exception cref="OnnxRuntimeFailure">ORT rejected the inputs or failed in a kernel.</exception>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> feeds, IEnumerable<string>? outputs = null)
    {
        var outputNames = (outputs ?? OutputNames).ToList();
        var inputValues = new List<OrtValue>();
        try
        {
            foreach (var name in feeds.Keys) inputValues.Add(OrtTensors.ToOrtValue(feeds[name]));
            using var runOptions = new RunOptions();
            using var results = OrtCalls.Guard($"run '{Graph?.Name ?? "model"}'", () =>
                _session.Run(runOptions, feeds.Keys.ToList(), inputValues, outputNames));
            return outputNames.Zip(results).ToDictionary(p => p.First, p => OrtTensors.FromOrtValue(p.Second));
        }
        finally
        {
            foreach (var v in inputValues) v.Dispose();
        }
    }

    /// <summary>An IO-binding view of this session, for loops that keep tensors in ONNX Runtime's buffers across runs; it leaves the session open when disposed.</summary>
    internal BoundSession Bind() => new(_session, Graph?.Name ?? "model", ownsSession: false);

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _session.Dispose();

    private static SessionOptions Options(GraphOptimizationLevel level, int threads) =>
        new() { GraphOptimizationLevel = level, IntraOpNumThreads = threads };
}
