using System.Collections.Immutable;

namespace OnnxKto.Graphs;

/// <summary>A tensor shape of known rank; dimensions may be symbolic or unknown.</summary>
public sealed class Shape : IEquatable<Shape>
{
    /// <summary>The dimensions, outermost first.</summary>
    public ImmutableArray<Dim> Dims { get; }

    /// <summary>A shape of <paramref name="dims"/>, outermost first.</summary>
    public Shape(IEnumerable<Dim> dims) => Dims = dims.ToImmutableArray();

    /// <summary>A shape of <paramref name="dims"/>, outermost first: <c>new Shape("batch", "seq", 768)</c>.</summary>
    public Shape(params Dim[] dims) => Dims = dims.ToImmutableArray();

    /// <summary>The shape of a scalar.</summary>
    public static Shape Scalar { get; } = new();

    /// <summary>The number of dimensions.</summary>
    public int Rank => Dims.Length;

    /// <summary>Dimension <paramref name="axis"/>.</summary>
    public Dim this[int axis] => Dims[axis];

    /// <summary>Dimension <paramref name="axis"/>, which may count from the end (<c>^1</c> is the last).</summary>
    public Dim this[Index axis] => Dims[axis];

    /// <summary>True when every dimension has a fixed size.</summary>
    public bool IsStatic => Dims.All(d => d.IsFixed);

    /// <summary>The element count, when every dimension is fixed.</summary>
    public long? ElementCount => IsStatic ? Dims.Aggregate(1L, (n, d) => n * d.Value!.Value) : null;

    /// <summary>Fixed sizes, when the shape is static.</summary>
    public long[] ToLongs() => IsStatic
        ? Dims.Select(d => d.Value!.Value).ToArray()
        : throw new InvalidOperationException($"Shape {this} is not static.");

    /// <summary>Normalises a possibly negative axis against this rank.</summary>
    public int Axis(long axis)
    {
        long a = axis < 0 ? axis + Rank : axis;
        if (a < 0 || a >= Math.Max(Rank, 1))
            throw new ArgumentOutOfRangeException(nameof(axis), $"Axis {axis} is out of range for shape {this}.");
        return (int)a;
    }

    /// <summary>True when the two shapes are provably identical.</summary>
    public bool SameAs(Shape other) => Rank == other.Rank && Dims.Zip(other.Dims).All(p => p.First.SameAs(p.Second));

    /// <summary>Structural equality: the same dims, an unknown dim equal to an unknown one. <see cref="SameAs"/> is the provable kind.</summary>
    public bool Equals(Shape? other) => other is not null && Dims.SequenceEqual(other.Dims);
    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Shape);
    /// <inheritdoc/>
    public override int GetHashCode() => Dims.Aggregate(Rank, (h, d) => HashCode.Combine(h, d));
    /// <summary>Like <c>[batch, 768]</c>, with <c>?</c> for an unknown dim.</summary>
    public override string ToString() => "[" + string.Join(", ", Dims) + "]";
}
