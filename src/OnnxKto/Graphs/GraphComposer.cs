namespace OnnxKto.Graphs;

/// <summary>Subgraph composition: copies one graph's computation into another, wired to existing values.</summary>
internal static class GraphComposer
{
    /// <summary>
    /// Inlines <paramref name="source"/> into <paramref name="target"/>'s graph under a naming scope, binding each
    /// source input to the target value given in <paramref name="inputs"/>, and returns the copies of the source's
    /// outputs by name. Source initializers are shared through the target's constant cache.
    /// </summary>
    /// <param name="target">Builder of the graph to extend.</param>
    /// <param name="source">The graph to copy, e.g. a model's forward pass.</param>
    /// <param name="inputs">A target value for every source input (e.g. the same parameters, other token ids).</param>
    /// <param name="scope">Naming scope of the copy, e.g. <c>policy</c> or <c>kl</c>.</param>
    /// <param name="symbols">Renames symbolic dims in copied shapes, e.g. <c>seq → kl_seq</c>.</param>
    /// <exception cref="ArgumentException">A source input has no binding.</exception>
    public static IReadOnlyDictionary<string, Value> Inline(GraphBuilder target, Graph source, IReadOnlyDictionary<string, Value> inputs,
        string scope, IReadOnlyDictionary<string, string>? symbols = null)
    {
        var map = InlineValues(target, source, inputs, scope, symbols);
        return source.Outputs.ToDictionary(o => o.Name, o => map[o]);
    }

    /// <summary>
    /// <see cref="Inline"/>, returning the copy of every source value (inputs, initializers, node outputs), e.g. to carry
    /// a model's <see cref="CheckpointSegment"/>s into the graph it was inlined into.
    /// </summary>
    /// <exception cref="ArgumentException">A source input has no binding.</exception>
    public static IReadOnlyDictionary<Value, Value> InlineValues(GraphBuilder target, Graph source, IReadOnlyDictionary<string, Value> inputs,
        string scope, IReadOnlyDictionary<string, string>? symbols = null)
    {
        var map = new Dictionary<Value, Value>();
        foreach (var input in source.Inputs)
            map[input] = inputs.TryGetValue(input.Name, out var bound)
                ? bound
                : throw new ArgumentException($"Inlining '{source.Name}' as '{scope}': no value bound to its input '{input.Name}'.");
        foreach (var init in source.Initializers) map[init] = target.Const(init.Data!);

        using (target.Scope(scope))
            foreach (var node in source.Nodes)
            {
                var nodeInputs = node.Inputs.Select(i => i is null ? null : map[i]).ToArray();
                var attributes = node.Attributes.Select(a => (a.Key, (object)a.Value)).ToArray();
                var outputNames = node.Outputs.Select(o => target.Graph.UniqueValueName($"/{scope}{Prefixed(o.Name)}")).ToArray();
                var copies = target.AppendNode($"/{scope}{Prefixed(node.Name)}", node.Domain, node.OpType, node.Outputs.Count,
                    nodeInputs, attributes, outputNames);
                for (int i = 0; i < copies.Length; i++)
                {
                    // Keep what the source knew (e.g. shapes its builder asserted), with symbols renamed.
                    if (node.Outputs[i].Shape is { } shape) copies[i].Shape = Rename(shape, symbols);
                    map[node.Outputs[i]] = copies[i];
                }
            }
        return map;
    }

    private static string Prefixed(string name) => name.StartsWith('/') ? name : "/" + name;

    private static Shape Rename(Shape shape, IReadOnlyDictionary<string, string>? symbols) =>
        symbols is null ? shape : new Shape(shape.Dims.Select(d => d.Symbol is { } s && symbols.TryGetValue(s, out var to) ? Dim.Sym(to) : d));
}
