namespace OnnxKto.Graphs;

/// <summary>
/// A region of a forward graph that reverse-mode autodiff may recompute during the backward pass instead of keeping its
/// activations (gradient checkpointing): the nodes on a path from <see cref="Inputs"/> to <see cref="Output"/>, e.g. one
/// decoder layer (input: the residual rows entering it; output: those leaving it) or one chunk of the vocabulary head.
/// </summary>
/// <param name="Inputs">The values the region starts from; the forward keeps these for the recompute.</param>
/// <param name="Output">The value the region ends in; gradient reaches the region only through it.</param>
/// <remarks>
/// Values the region reads that do not depend on <see cref="Inputs"/> (parameters, masks, rotary tables) are read
/// from the forward as they are. <see cref="Map"/> carries a segment into a graph its values were copied into.
/// </remarks>
public sealed record CheckpointSegment(IReadOnlyList<Value> Inputs, Value Output)
{
    /// <summary>The same segment over copies of its values, e.g. after <see cref="GraphComposer.InlineValues"/>.</summary>
    public CheckpointSegment Map(IReadOnlyDictionary<Value, Value> copies) =>
        new(Inputs.Select(i => copies[i]).ToList(), copies[Output]);
}
