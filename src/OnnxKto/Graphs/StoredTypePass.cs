namespace OnnxKto.Graphs;

/// <summary>
/// Keeps chosen float32 graph inputs (a LoRA run's frozen base) in a 16-bit type: each becomes an input of that type,
/// and every node that read it reads its own <c>Cast</c> to float32 instead, placed just before it (one cast per
/// reader, so no float32 copy of a weight needs to live from the forward pass to the backward one). Values, names
/// and everything downstream stay float32, so the graph computes as before on the rounded weights.
/// </summary>
public static class StoredTypePass
{
    /// <summary>Rewrites <paramref name="graph"/> in place: the float32 inputs named in <paramref name="inputs"/> become <paramref name="stored"/>.</summary>
    /// <param name="graph">The graph; inputs it lacks, or that are not float32, are left alone.</param>
    /// <param name="inputs">Input names, e.g. the frozen parameters.</param>
    /// <param name="stored"><see cref="DataType.BFloat16"/> or <see cref="DataType.Float16"/>; float32 changes nothing.</param>
    /// <exception cref="ArgumentException"><paramref name="stored"/> is not a floating-point type.</exception>
    public static void Apply(Graph graph, IEnumerable<string> inputs, DataType stored)
    {
        if (stored is not (DataType.Float or DataType.BFloat16 or DataType.Float16))
            throw new ArgumentException($"Weights are stored in float32, bfloat16 or float16, not {stored}.", nameof(stored));
        if (stored == DataType.Float) return;
        var b = new GraphBuilder(graph);
        var graphInputs = graph.Inputs.ToHashSet();
        foreach (var name in inputs.Where(graph.Contains))
        {
            var value = graph[name];
            if (!graphInputs.Contains(value) || value.Type != DataType.Float) continue;
            value.Type = stored;
            foreach (var reader in value.Uses.Distinct().ToList())
            {
                var cast = b.Op("Cast", [value], ("to", (long)DataType.Float));
                for (int i = 0; i < reader.Inputs.Count; i++)
                    if (ReferenceEquals(reader.Inputs[i], value))
                    {
                        reader.Inputs[i] = cast;
                        value.Uses.Remove(reader);
                        cast.Uses.Add(reader);
                    }
            }
        }
        graph.SortTopologically();
    }
}
