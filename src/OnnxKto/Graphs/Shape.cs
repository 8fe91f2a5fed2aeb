using System.Collections.Immutable;

namespace OnnxKto.Graphs;

/// <summary>A tensor shape of known rank; dimensions may be symbolic or unknown.</summary>
public sealed class Shape : IEquatable<Shape>
{
    /// <summary>The dimensions, outermost first.</summary>
    public ImmutableArray<Dim> Dims { get; }

    public Shape(IEnumerable<Dim> dims) => Dims = dims.ToImmutableArray();

    public Shape(params Dim[] dims) => Dims = dims.ToImmutableArray();

    /// <summary>The shape of a scalar.</summary>
    public static Shape Scalar { get; } = new();

    public int Rank => Dims.Length;

    public Dim this[int axis] => Dims[axis];

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

    public bool Equals(Shape? other) => other is not null && Dims.SequenceEqual(other.Dims);
    public override bool Equals(object? obj) => Equals(obj as Shape);
    public override int GetHashCode() => Dims.Aggregate(Rank, (h, d) => HashCode.Combine(h, d));
    public override string ToString() => "[" + string.Join(", ", Dims) + "]";
}
