namespace OnnxKto.Graphs;

/// <summary>Removes what a chosen set of outputs does not need.</summary>
internal static class GraphPruning
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
        pruned.RemoveNodes(n => !keptNodes.Contains(n.Name));
        pruned.RemoveSources(v => !needed.Contains(v.Name));
        foreach (var o in pruned.Outputs.ToList()) pruned.RemoveOutput(o);
        foreach (var w in wanted) pruned.AddOutput(pruned[w.Name]);
        return pruned;
    }
}
