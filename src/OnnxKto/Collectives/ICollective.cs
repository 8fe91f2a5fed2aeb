namespace OnnxKto.Collectives;

/// <summary>
/// The ranks of a data-parallel job and the one collective they need: an in-place sum over every rank's buffer.
/// Every rank calls the same collectives in the same order; a call that does not complete within the timeout stops
/// the whole job with a message naming the ranks that did not arrive.
/// </summary>
internal interface ICollective : IDisposable
{
    /// <summary>This process's rank, 0 ≤ rank &lt; <see cref="WorldSize"/>.</summary>
    int Rank { get; }

    /// <summary>Processes in the job.</summary>
    int WorldSize { get; }

    /// <summary>What carries the collectives, for logs: "single process", "Open MPI".</summary>
    string Backend { get; }

    /// <summary>Replaces <paramref name="buffer"/> with the element-wise sum of every rank's buffer.</summary>
    /// <param name="buffer">Same length on every rank.</param>
    /// <param name="what">What is reduced, for the timeout message ("gradients of update 7").</param>
    void AllReduceSum(float[] buffer, string what);

    /// <inheritdoc cref="AllReduceSum(float[], string)"/>
    void AllReduceSum(double[] buffer, string what);

    /// <summary>Copies rank 0's <paramref name="buffer"/> to every rank.</summary>
    void Broadcast(byte[] buffer);
}
