using OnnxKto.Graphs;

namespace OnnxKto.Autodiff;

// Gradient checkpointing: a segment's forward activations die in the forward pass; the backward recomputes the segment
// from its saved inputs and differentiates the copy.
public static partial class ReverseModeAutodiff
{
    /// <summary>
    /// Clones <paramref name="region"/>'s nodes fed from its saved inputs, differentiates Σ(y′ ⊙ dy) through the clone, and
    /// hands the gradients of the inputs and of what else the segment reads (parameters) to the outer walk. Returns what
    /// the next segment's recompute waits for (dy and this segment's gradients), or null when no gradient reaches it.
    /// </summary>
    private static IReadOnlyList<Value>? Recompute(GraphBuilder b, CheckpointRegions.Region region,
        Dictionary<Value, List<Value>> contributions, IReadOnlyList<Value> previous, HashSet<Value> active, HashSet<Node> onPath,
        HashSet<Value> touched, Action<Node> backward)
    {
        var segment = region.Segment;
        var dy = Accumulate(b, contributions, segment.Output);
        if (dy is null) return null;
        foreach (var v in region.Inner)
            if (v != segment.Output && contributions.ContainsKey(v))
                throw new ArgumentException(
                    $"Checkpoint segment ending in '{segment.Output.Name}': gradient reaches its inner value '{v.Name}' from outside " +
                    "the segment, so recomputing it would lose that gradient. End the segment at that value or keep it out of the segment.");

        var copies = new Dictionary<Value, Value>();
        using (b.Scope("checkpoint"))
        {
            // ONNX Runtime orders nodes by data dependencies only, so a recompute fed straight from x could run in the
            // forward pass and keep its activations alive after all. x′ = Expand(x, []) is x (a copy of one segment
            // input) that cannot be computed before dy and the previous segment's gradients exist.
            var after = new[] { dy }.Concat(previous)
                .Select(d => b.Op("Slice", [b.ShapeOf(d), b.Ints(0), b.Ints(0)])).ToArray();
            var empty = after.Length == 1 ? after[0] : b.Concat(0, after);
            foreach (var x in segment.Inputs)
            {
                var gated = b.Expand(x, empty);
                if (x.Shape is { } shape) b.AssumeShape(gated, shape);
                copies[x] = gated;
                if (active.Contains(x)) active.Add(gated);
            }
        }

        var clones = new List<(Node Original, Node Clone)>();
        foreach (var node in region.Nodes)
        {
            var inputs = node.Inputs.Select(i => i is null ? null : copies.GetValueOrDefault(i, i)).ToArray();
            var attributes = node.Attributes.Select(a => (a.Key, (object)a.Value)).ToArray();
            var names = node.Outputs.Select(o => b.Graph.UniqueValueName(Recomputed(o.Name))).ToArray();
            var outputs = b.AppendNode(Recomputed(node.Name), node.Domain, node.OpType, node.Outputs.Count, inputs, attributes, names);
            for (int i = 0; i < outputs.Length; i++)
            {
                var original = node.Outputs[i];
                if (original.Shape is { } shape) outputs[i].Shape = shape;
                if (active.Contains(original)) active.Add(outputs[i]);
                if (b.Graph.Detached.Contains(original)) b.Graph.MarkDetached(outputs[i]);
                copies[original] = outputs[i];
            }
            clones.Add((node, outputs[0].Producer!));
        }

        contributions[copies[segment.Output]] = [dy];
        foreach (var (original, clone) in Enumerable.Reverse(clones))
            if (onPath.Contains(original)) backward(clone);
        foreach (var x in segment.Inputs)
        {
            if (Accumulate(b, contributions, copies[x]) is not { } g) continue;
            (contributions.TryGetValue(x, out var list) ? list : contributions[x] = []).Add(g);
            touched.Add(x);
        }
        // Parameter gradients are summed as the segments go, so one running sum per parameter stays alive, not one
        // contribution per segment (a tied head split into chunks would otherwise keep a (V, E) matrix per chunk).
        var inner = copies.Values.ToHashSet();
        return touched.Where(v => !inner.Contains(v)).Select(v => Accumulate(b, contributions, v)!).Prepend(dy).ToList();
    }

    private static string Recomputed(string name) => "/recompute" + (name.StartsWith('/') ? name : "/" + name);
}
