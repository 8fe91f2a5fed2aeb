using OnnxKto.Data;

namespace OnnxKto.Training.Batching;

/// <summary>
/// The shaped data as the plan and the micro-batches see it: the items the plan draws are the examples, or for a
/// loss on preference pairs (<see cref="ShapedDataset.Pairs"/>) the pairs. A micro-batch of pairs puts its chosen rows
/// first and its rejected rows after them, in the same order, as TRL's concatenated forward does.
/// </summary>
internal sealed class TrainingData(IReadOnlyList<TokenizedExample> examples, IReadOnlyList<PreferencePair>? pairs = null)
{
    /// <summary>Every example, indexed by the rows of the micro-batches (and the reference log-prob cache).</summary>
    public IReadOnlyList<TokenizedExample> Examples => examples;

    /// <summary>Whether the items are preference pairs.</summary>
    public bool Paired => pairs is not null;

    /// <summary>Items the plan draws from: examples, or pairs.</summary>
    public int Count => pairs?.Count ?? examples.Count;

    /// <summary>The example rows of a micro-batch of <paramref name="items"/>: the examples, or the pairs' chosen ones then their rejected ones.</summary>
    public int[] Rows(int[] items) => pairs is null ? items : [.. items.Select(p => pairs[p].Chosen), .. items.Select(p => pairs[p].Rejected)];

    /// <summary>The micro-batch of <paramref name="items"/> (<see cref="MicroBatch.Build"/> over <see cref="Rows"/>).</summary>
    public MicroBatch Batch(int[] items, bool withKl, int padId, int? maxLength) =>
        MicroBatch.Build(examples, Rows(items), withKl, padId, maxLength, Paired);
}
