using OnnxKto.Graphs;

namespace OnnxKto.Autodiff;

/// <summary>The nodes of each checkpoint segment of a graph being differentiated, and which segment a node belongs to.</summary>
internal sealed class CheckpointRegions
{
    private readonly Dictionary<Node, Region> _byNode = [];

    /// <summary>One segment's nodes in topological order; <see cref="Last"/> produces its output.</summary>
    public sealed record Region(CheckpointSegment Segment, IReadOnlyList<Node> Nodes, IReadOnlySet<Value> Inner)
    {
        public Node Last => Nodes[^1];
    }

    /// <summary>The segment <paramref name="node"/> lies in, or null.</summary>
    public Region? Of(Node node) => _byNode.GetValueOrDefault(node);

    /// <summary>
    /// A segment's nodes are those on a path from its inputs to its output: ancestors of the output (not looking past
    /// the inputs) that read an input or a value computed from one. What else they read comes from outside the segment.
    /// </summary>
    /// <exception cref="ArgumentException">A segment's output does not depend on its inputs, or two segments share a node.</exception>
    public static CheckpointRegions Find(Graph graph, IEnumerable<CheckpointSegment> segments)
    {
        var regions = new CheckpointRegions();
        Dictionary<Node, int>? index = null;
        foreach (var segment in segments)
        {
            index ??= graph.Nodes.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
            var inputs = segment.Inputs.ToHashSet();
            var ancestors = new HashSet<Node>();
            var work = new Stack<Value>([segment.Output]);
            while (work.TryPop(out var v))
                if (!inputs.Contains(v) && v.Producer is { } p && ancestors.Add(p))
                    foreach (var i in p.Inputs) if (i is not null) work.Push(i);

            var fromInputs = new HashSet<Value>(inputs);
            var nodes = new List<Node>();
            foreach (var node in ancestors.OrderBy(n => index[n]))
            {
                if (!node.Inputs.Any(i => i is not null && fromInputs.Contains(i))) continue;
                nodes.Add(node);
                fromInputs.UnionWith(node.Outputs);
            }
            if (inputs.Contains(segment.Output) || !fromInputs.Contains(segment.Output))
                throw new ArgumentException(
                    $"Checkpoint segment [{string.Join(", ", segment.Inputs.Select(i => i.Name))}] → '{segment.Output.Name}': the output " +
                    "is not computed from the inputs. Pass the values entering and leaving the region (e.g. a layer's input and output rows).");
            var region = new Region(segment, nodes, nodes.SelectMany(n => n.Outputs).ToHashSet());
            foreach (var node in nodes)
                if (!regions._byNode.TryAdd(node, region))
                    throw new ArgumentException(
                        $"Checkpoint segments ending in '{regions._byNode[node].Segment.Output.Name}' and '{segment.Output.Name}' share node '{node.Name}': segments must not overlap.");
        }
        return regions;
    }
}
