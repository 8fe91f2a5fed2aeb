namespace OnnxKto.Graphs;

/// <summary>
/// Turns graph inputs into initializers holding given values: what ONNX Runtime's <c>ExportModelForInferencing</c>
/// does to a training graph's parameters, so the inference model carries its trained weights.
/// </summary>
public static class GraphFreezing
{
    /// <summary>
    /// A copy of <paramref name="graph"/> in which every input named in <paramref name="values"/> is an initializer
    /// holding that tensor; the other inputs stay inputs, in their order.
    /// </summary>
    /// <param name="graph">E.g. a model's forward graph with its parameters as inputs.</param>
    /// <param name="values">Tensors by input name, e.g. trained weights by Hugging Face name.</param>
    /// <exception cref="ArgumentException">A name is not an input of the graph, or a tensor's type or shape does not fit its input.</exception>
    public static Graph Freeze(Graph graph, IReadOnlyDictionary<string, TensorData> values)
    {
        var inputs = graph.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var (name, data) in values)
        {
            if (!inputs.TryGetValue(name, out var input))
                throw new ArgumentException($"Graph '{graph.Name}' has no input '{name}' to freeze; its inputs are {string.Join(", ", inputs.Keys.Take(8))}{(inputs.Count > 8 ? ", ..." : "")}.");
            if (data.Type != input.Type || input.Shape is not { } shape || shape.Rank != data.Dims.Length
                || shape.Dims.Zip(data.Dims).Any(p => p.First.Value is { } fixedSize && fixedSize != p.Second))
                throw new ArgumentException($"Graph '{graph.Name}': tensor {data} does not fit input '{name}' of type {input.Type} and shape {input.Shape?.ToString() ?? "[?]"}.");
        }
        var frozen = graph.Clone();
        foreach (var (name, data) in values) frozen.Freeze(frozen[name], data);
        return frozen;
    }
}
