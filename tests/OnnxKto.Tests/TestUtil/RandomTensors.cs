using OnnxKto.Graphs;

namespace OnnxKto.Tests.TestUtil;

/// <summary>Seeded random float64 and index tensors for tests.</summary>
public sealed class RandomTensors(int seed)
{
    private readonly Random _rng = new(seed);

    /// <summary>Uniform values in [lo, hi).</summary>
    public TensorData Doubles(long[] dims, double lo = -1, double hi = 1) =>
        TensorData.FromDoubles(dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b))
            .Select(_ => lo + (hi - lo) * _rng.NextDouble()).ToArray());

    /// <summary>Integers in [0, bound).</summary>
    public TensorData Indices(long[] dims, long bound) =>
        TensorData.FromLongs(dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b))
            .Select(_ => (long)_rng.Next((int)bound)).ToArray());

    public TensorData Bools(long[] dims) =>
        TensorData.FromBools(dims, Enumerable.Range(0, (int)dims.Aggregate(1L, (a, b) => a * b)).Select(_ => _rng.Next(2) == 1).ToArray());
}
