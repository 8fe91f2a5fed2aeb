using OnnxKto.Graphs;

namespace OnnxKto.Autodiff;

/// <summary>
/// Reverse-mode automatic differentiation over ONNX graphs, emitting the backward pass in standard ONNX operators.
/// </summary>
public static partial class ReverseModeAutodiff
{
    /// <summary>
    /// Returns a copy of <paramref name="forward"/> that also outputs the gradient of the scalar <paramref name="loss"/>
    /// for every value in <paramref name="wrt"/>, named by <see cref="GradientNames.Of"/> (<c>&lt;name&gt;_grad</c>).
    /// </summary>
    /// <param name="forward">The forward graph; left unchanged.</param>
    /// <param name="loss">The value to differentiate (normally a scalar; otherwise its sum is).</param>
    /// <param name="wrt">Inputs or initializers to differentiate with respect to.</param>
    /// <param name="stop">
    /// Values no gradient flows through (like <c>torch.no_grad</c> / <c>detach</c>), in addition to the graph's
    /// <see cref="Graph.Detached"/> ones. A loss that needs some should detach them itself (<see cref="GraphBuilder.Detach"/>).
    /// </param>
    /// <param name="checkpoints">
    /// Regions of <paramref name="forward"/> to recompute in the backward pass rather than keep (gradient checkpointing):
    /// each is cloned, fed from its saved inputs, and differentiated there, so only the segments' inputs stay alive between
    /// the forward and the backward. The gradients are the same as without them. Segments must not share nodes.
    /// </param>
    /// <remarks>
    /// Nodes are visited in reverse topological order; only those on a path from a wanted value to the loss get a
    /// backward. Gradients reaching a value along several paths are summed. Integer and boolean values carry no
    /// gradient. A wanted value with no path to the loss gets a zero gradient. An operator on the path with no rule
    /// is an error naming the operator and the node.
    /// </remarks>
    /// <exception cref="ArgumentException">A value is not <paramref name="forward"/>'s, or a wanted value is not floating point.</exception>
    /// <exception cref="ArgumentException">
    /// A checkpoint segment is malformed: its output does not depend on its inputs, it overlaps another, or a gradient
    /// reaches one of its inner values from outside it.
    /// </exception>
    /// <exception cref="NotSupportedException">An operator on the gradient path has no rule.</exception>
    public static Graph Gradients(Graph forward, Value loss, IEnumerable<Value> wrt, IEnumerable<Value>? stop = null,
        IEnumerable<CheckpointSegment>? checkpoints = null)
    {
        var graph = forward.Clone();
        var b = new GraphBuilder(graph);
        Value Copy(Value v, string role) => forward.Owns(v)
            ? graph[v.Name]
            : throw new ArgumentException($"The {role} '{v.Name}' is not a value of graph '{forward.Name}': pass values of the graph being differentiated.");
        var lossValue = Copy(loss, "loss");
        var wanted = wrt.Select(w => Copy(w, "value to differentiate with respect to")).ToList();
        foreach (var w in wanted.Where(w => !w.Type.IsFloating()))
            throw new ArgumentException($"Cannot differentiate with respect to '{w.Name}': its type {w.Type} is not floating point.");
        var stopped = (stop ?? []).Select(s => Copy(s, "stop value")).Concat(graph.Detached).ToHashSet();

        var active = ActiveValues(wanted, stopped);
        var onPath = NodesOnPath(graph, lossValue, active);
        var segments = CheckpointRegions.Find(graph, (checkpoints ?? []).Select(s =>
            new CheckpointSegment(s.Inputs.Select(i => Copy(i, "checkpoint segment input")).ToList(), Copy(s.Output, "checkpoint segment output"))));
        var contributions = new Dictionary<Value, List<Value>>();
        HashSet<Value>? touched = null;
        void Add(Value v, Value g)
        {
            (contributions.TryGetValue(v, out var l) ? l : contributions[v] = []).Add(g);
            touched?.Add(v);
        }
        void Backward(Node node)
        {
            var outputGradients = node.Outputs.Select(o => Accumulate(b, contributions, o)).ToArray();
            if (outputGradients.All(g => g is null)) return;
            if (node.Domain is not ("" or "ai.onnx") || !GradientRules.ByOp.TryGetValue(node.OpType, out var rule))
                throw new NotSupportedException(
                    $"No gradient rule for operator '{node.OpType}'{(node.Domain.Length > 0 ? $" (domain {node.Domain})" : "")} " +
                    $"at node '{node.Name}', which lies between [{string.Join(", ", wanted.Select(w => w.Name))}] and '{lossValue.Name}'. " +
                    $"Rules exist for: {string.Join(", ", GradientRules.ByOp.Keys)}. Stop the gradient before it, or add a rule in Autodiff/Rules.");
            using (b.Scope(node.Name.TrimStart('/')))
                rule(new GradientContext(b, node, outputGradients, active.Contains, Add));
        }

        using (b.Scope("backward"))
        {
            Add(lossValue, b.Fill(lossValue, 1.0));
            IReadOnlyList<Value> previous = [];
            foreach (var node in graph.Nodes.Reverse().ToList())
            {
                if (segments.Of(node) is not { } segment)
                {
                    if (onPath.Contains(node)) Backward(node);
                    continue;
                }
                // A segment is differentiated as a whole when the walk reaches its last node: every use of its output
                // lies after it, so the output's gradient is complete.
                if (node != segment.Last) continue;
                touched = [];
                previous = Recompute(b, segment, contributions, previous, active, onPath, touched, Backward) ?? previous;
                touched = null;
            }
            foreach (var w in wanted)
                b.Output(Accumulate(b, contributions, w) ?? b.Fill(w, 0), GradientNames.Of(w.Name));
        }
        return graph;
    }

    /// <summary>Values reachable from the wanted ones through floating-point data, not crossing a stop value.</summary>
    private static HashSet<Value> ActiveValues(IEnumerable<Value> wanted, HashSet<Value> stopped)
    {
        var active = new HashSet<Value>();
        var work = new Stack<Value>(wanted.Where(w => !stopped.Contains(w)));
        while (work.TryPop(out var v))
        {
            if (!active.Add(v)) continue;
            foreach (var use in v.Uses)
                foreach (var o in use.Outputs)
                    if (!stopped.Contains(o) && (o.Type.IsFloating() || o.Type == DataType.Undefined) && !active.Contains(o))
                        work.Push(o);
        }
        return active;
    }

    /// <summary>Nodes with an active input whose outputs reach the loss.</summary>
    private static HashSet<Node> NodesOnPath(Graph graph, Value loss, HashSet<Value> active)
    {
        var onPath = new HashSet<Node>();
        var reachesLoss = new HashSet<Value> { loss };
        foreach (var node in Enumerable.Reverse(graph.Nodes))
        {
            if (!node.Outputs.Any(reachesLoss.Contains) || !node.Inputs.Any(i => i is not null && active.Contains(i))) continue;
            onPath.Add(node);
            foreach (var i in node.Inputs) if (i is not null && active.Contains(i)) reachesLoss.Add(i);
        }
        return onPath;
    }

    private static Value? Accumulate(GraphBuilder b, Dictionary<Value, List<Value>> contributions, Value v)
    {
        if (!contributions.TryGetValue(v, out var list)) return null;
        if (list.Count > 1)
        {
            // dX = Σ over uses; one Sum node keeps the graph small.
            var sum = b.Op("Sum", list.ToArray());
            list.Clear();
            list.Add(sum);
        }
        return list[0];
    }
}
