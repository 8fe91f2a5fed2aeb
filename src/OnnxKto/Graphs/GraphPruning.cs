namespace OnnxKto.Graphs;

/// <summary>Removes what a chosen set of outputs does not need.</summary>
public static class GraphPruning
{
    /// <summary>
    /// A copy of <paramref name="graph"/> computing only <paramref name="outputs"/>: unused nodes, initializers
    /// and inputs are dropped (e.g. to export an inference model from a training graph).
    /// </summary>
    public static Graph KeepOutputs(Graph graph, IEnumerable<string> outputs)
    {
        var wanted = outputs.Select(n => graph[n]).ToList();
        var needed = new HashSet<string>(wanted.Select(w => w.Name), StringComparer.Ordinal);
        var keptNodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in Enumerable.Reverse(graph.Nodes))
        {
            if (!node.Outputs.Any(o => needed.Contains(o.Name))) continue;
            keptNodes.Add(node.Name);
            foreach (var i in node.Inputs) if (i is not null) needed.Add(i.Name);
        }
        var pruned = graph.Clone();
        foreach (var node in pruned.Nodes.Where(n => !keptNodes.Contains(n.Name)))
            foreach (var i in node.Inputs) i?.Uses.Remove(node);
        pruned.Nodes.RemoveAll(n => !keptNodes.Contains(n.Name));
        pruned.Inputs.RemoveAll(v => !needed.Contains(v.Name));
        pruned.Initializers.RemoveAll(v => !needed.Contains(v.Name));
        pruned.Outputs.Clear();
        foreach (var w in wanted) pruned.AddOutput(pruned[w.Name]);
        return pruned;
    }
}
