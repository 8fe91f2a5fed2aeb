using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime;

/// <summary>
/// A plain ONNX Runtime session over a <see cref="Graph"/>, fed and read as <see cref="TensorData"/>.
/// For tools, tests and one-off passes; the training loop binds preallocated buffers instead.
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
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = optimize ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
            IntraOpNumThreads = threads,
        };
        _session = OrtCalls.Guard($"load graph '{graph.Name}'", () => new InferenceSession(OnnxModelFile.ToBytes(graph), options));
    }

    public Graph Graph { get; }

    /// <summary>Runs the graph and returns the requested outputs (all graph outputs when null).</summary>
    /// <exception cref="OnnxRuntimeFailure">ORT rejected the inputs or failed in a kernel.</exception>
    public Dictionary<string, TensorData> Run(IReadOnlyDictionary<string, TensorData> feeds, IEnumerable<string>? outputs = null)
    {
        var outputNames = (outputs ?? Graph.Outputs.Select(o => o.Name)).ToList();
        var inputValues = new List<OrtValue>();
        try
        {
            foreach (var name in feeds.Keys) inputValues.Add(OrtTensors.ToOrtValue(feeds[name]));
            using var results = OrtCalls.Guard($"run graph '{Graph.Name}'", () =>
                _session.Run(new RunOptions(), feeds.Keys.ToList(), inputValues, outputNames));
            return outputNames.Zip(results).ToDictionary(p => p.First, p => OrtTensors.FromOrtValue(p.Second));
        }
        finally
        {
            foreach (var v in inputValues) v.Dispose();
        }
    }

    public void Dispose() => _session.Dispose();
}
