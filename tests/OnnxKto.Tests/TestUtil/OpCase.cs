using OnnxKto.Graphs;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// A small float64 graph under test: declare inputs (fed with random data), build ops with <see cref="B"/>,
/// then <see cref="Check"/> the gradient of an output against finite differences.
/// </summary>
public sealed class OpCase
{
    private readonly Dictionary<string, TensorData> _feeds = [];
    private readonly List<string> _wrt = [];

    public OpCase(int seed = 7)
    {
        Random = new RandomTensors(seed);
        B = new GraphBuilder(Graph);
    }

    public Graph Graph { get; } = new("case");
    public GraphBuilder B { get; }
    public RandomTensors Random { get; }

    /// <summary>The data each input is fed with.</summary>
    public IReadOnlyDictionary<string, TensorData> Feeds => _feeds;

    /// <summary>Parses "2x3x4" into dims; "" is a scalar.</summary>
    public static long[] Dims(string spec) => spec.Length == 0 ? [] : spec.Split('x').Select(long.Parse).ToArray();

    /// <summary>
    /// A differentiable float64 input with uniform values in [lo, hi). <paramref name="declared"/> lets a test give
    /// the graph input symbolic dims (e.g. "batch") while feeding concrete data.
    /// </summary>
    public Value Input(string name, string dims, double lo = -1, double hi = 1, Shape? declared = null) =>
        Feed(name, Random.Doubles(Dims(dims), lo, hi), declared, differentiable: true);

    /// <summary>An input fed with <paramref name="data"/>; differentiated only when asked.</summary>
    public Value Feed(string name, TensorData data, Shape? declared = null, bool differentiable = false)
    {
        var v = Graph.AddInput(name, data.Type, declared ?? data.Shape);
        _feeds[name] = data;
        if (differentiable) _wrt.Add(name);
        return v;
    }

    /// <summary>Checks d(Σ output ⊙ R)/d(inputs) against central finite differences; returns the worst relative error.</summary>
    public double Check(Value output)
    {
        Graph.AddOutput(output);
        return GradientChecker.Check(Graph, output.Name, _feeds, _wrt);
    }
}
