namespace OnnxKto.Models;

/// <summary>
/// A set of decoder layer indices with value equality, so <see cref="ModelConfig"/> stays comparable: the layers that
/// use sliding-window attention, or that skip rotary embeddings.
/// </summary>
public sealed class LayerSet : IEquatable<LayerSet>
{
    private readonly int[] _layers;

    private LayerSet(IEnumerable<int> layers) => _layers = layers.Distinct().Order().ToArray();

    /// <summary>No layer.</summary>
    public static LayerSet None { get; } = new([]);

    /// <summary>The given layer indices.</summary>
    public static LayerSet Of(IEnumerable<int> layers) => new(layers);

    /// <summary>Layers 0 .. <paramref name="count"/> − 1 where <paramref name="predicate"/> holds.</summary>
    public static LayerSet Where(int count, Func<int, bool> predicate) => new(Enumerable.Range(0, count).Where(predicate));

    /// <summary>The indices, ascending.</summary>
    public IReadOnlyList<int> Layers => _layers;

    /// <summary>Whether no layer is in the set.</summary>
    public bool IsEmpty => _layers.Length == 0;

    /// <summary>Whether layer <paramref name="layer"/> is in the set.</summary>
    public bool Contains(int layer) => Array.BinarySearch(_layers, layer) >= 0;

    /// <inheritdoc/>
    public bool Equals(LayerSet? other) => other is not null && _layers.AsSpan().SequenceEqual(other._layers);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as LayerSet);

    /// <inheritdoc/>
    public override int GetHashCode() => _layers.Aggregate(17, HashCode.Combine);

    /// <summary>The indices separated by commas, e.g. <c>3,7,11</c>.</summary>
    public override string ToString() => string.Join(",", _layers);
}
