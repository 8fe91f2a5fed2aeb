using System.Diagnostics;
using OnnxKto.Collectives;
using OnnxKto.Runtime;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Parallel;

/// <summary>
/// Data parallelism as the training loop sees it (Hugging Face semantics): each rank trains on its slice of every
/// micro-batch; before the optimizer step the accumulated gradients are averaged across ranks in one all-reduce
/// over one flat buffer (on CUDA: one NCCL group over the device buffers); the KTO KL estimate is averaged across
/// ranks before each micro-batch's loss, as TRL's <c>gather_for_metrics(kl).mean().clamp(min=0)</c>; metrics are
/// summed before logging; rank 0 alone writes. With one rank every call is the identity.
/// </summary>
internal sealed class DataParallel : IDisposable
{
    private readonly ICollective _collective;
    private NcclCommunicator? _nccl;
    private float[]? _flat;
    private double _reduceSeconds;
    private int _reduces;

    private DataParallel(ICollective collective, int localRank)
    {
        _collective = collective;
        LocalRank = localRank;
    }

    /// <summary>Joins the job this process was launched in (none: one rank, no native library loaded).</summary>
    /// <param name="timeout">How long a collective waits for the slowest rank (<c>ddp_timeout</c>).</param>
    /// <exception cref="UserError">An unsupported launcher, or Open MPI missing.</exception>
    public static DataParallel Join(TimeSpan timeout)
    {
        var launch = LaunchEnvironment.Read();
        return new DataParallel(launch.Join(timeout), launch.LocalRank);
    }

    public int Rank => _collective.Rank;
    public int WorldSize => _collective.WorldSize;
    public int LocalRank { get; }
    public bool Active => WorldSize > 1;

    /// <summary>Whether this rank writes the run folder (checkpoints, metrics, caches): rank 0.</summary>
    public bool IsWriter => Rank == 0;

    /// <summary>Bytes of one update's gradient all-reduce (0 before the first).</summary>
    public long GradientBytes { get; private set; }

    /// <summary>For logs: "2 ranks (Open MPI), this is rank 0".</summary>
    public string Describe() => $"{WorldSize} ranks ({_collective.Backend}{(_nccl is null ? "" : " + NCCL")}), this is rank {Rank}";

    /// <summary>
    /// The device this rank computes on: a plain <c>cuda</c> means GPU LOCAL_RANK when several ranks run, and their
    /// gradients are then averaged by NCCL (created here, its id handed round over MPI).
    /// </summary>
    /// <exception cref="UserError">NCCL or the CUDA runtime is missing.</exception>
    public ExecutionDevice Place(ExecutionDevice device, string requested)
    {
        if (!Active || !device.IsCuda) return device;
        if (string.Equals(requested.Trim(), "cuda", StringComparison.OrdinalIgnoreCase)) device = ExecutionDevice.Parse($"cuda:{LocalRank}");
        _nccl ??= NcclCommunicator.Create(_collective, device.DeviceId);
        return device;
    }

    /// <summary>This rank's consecutive slice of a micro-batch of <see cref="WorldSize"/> × per-device examples.</summary>
    public int[] Slice(int[] examples)
    {
        if (!Active) return examples;
        int per = examples.Length / WorldSize;
        return examples[(Rank * per)..((Rank + 1) * per)];
    }

    /// <summary>Waits until every rank gets here (e.g. until rank 0 has prepared the run folder).</summary>
    public void Barrier(string what) => _collective.AllReduceSum(new double[1], what);

    /// <summary>
    /// Replaces every rank's accumulated gradient with the average over the ranks, in one all-reduce, and says whether
    /// every rank's losses were finite (a rank with a non-finite loss makes every rank skip the update).
    /// </summary>
    /// <param name="session">The session holding the accumulated gradients.</param>
    /// <param name="finite">Whether this rank's micro-batch losses were all finite.</param>
    /// <param name="update">1-based update number, for the timeout message.</param>
    public bool AverageGradients(TrainingSession session, bool finite, int update)
    {
        if (!Active) return finite;
        var clock = Stopwatch.StartNew();
        var gradients = session.AccumulatedGradients();
        string what = $"gradients of update {update}";
        bool allFinite;
        if (_nccl is not null)
        {
            var flag = new[] { finite ? 0f : 1f };
            _collective.AllReduceSum(flag, $"finiteness of update {update}");
            allFinite = flag[0] == 0;
            _nccl.AverageInPlace(gradients.Select(g => (g.Address, g.ElementCount)).ToList());
            GradientBytes = gradients.Sum(g => g.ElementCount) * sizeof(float);
        }
        else
        {
            // One flat buffer: every gradient, then this rank's non-finite flag (summed: the ranks with one).
            int total = (int)gradients.Sum(g => g.ElementCount);
            _flat ??= new float[total + 1];
            int offset = 0;
            foreach (var g in gradients)
            {
                var span = g.HostSpan<float>();
                span.CopyTo(_flat.AsSpan(offset));
                offset += span.Length;
            }
            _flat[total] = finite ? 0 : 1;
            _collective.AllReduceSum(_flat, what);
            allFinite = _flat[total] == 0;
            float scale = 1f / WorldSize;
            offset = 0;
            foreach (var g in gradients)
            {
                var span = g.HostSpan<float>();
                for (int i = 0; i < span.Length; i++) span[i] = _flat[offset + i] * scale;
                offset += span.Length;
            }
            GradientBytes = (long)_flat.Length * sizeof(float);
        }
        _reduceSeconds += clock.Elapsed.TotalSeconds;
        _reduces++;
        return allFinite;
    }

    /// <summary>
    /// Reference KL log-probs that make the training graph's KL estimate the average over the ranks. The graph computes
    /// z0 = max(0, mean_i(πθ_KL,i − πref_KL,i)) from its own micro-batch; this rank's mean m_r (a forward pass at the
    /// current parameters) and the ranks' average m̄ shift every reference value by m_r − m̄, so the graph's mean
    /// becomes m̄ and its clamp comes after the average, as TRL's. Rewards and log-prob metrics are untouched.
    /// </summary>
    public float[] AgreeOnKl(TrainingSession session, MicroBatch batch, float[] referenceKl, int update)
    {
        if (!Active) return referenceKl;
        var policyKl = session.ComputePolicyKlLogps(batch.Kl ?? throw new ArgumentException("This loss has no KL sequences."), batch.Size);
        double local = 0;
        for (int i = 0; i < batch.Size; i++) local += (double)policyKl[i] - referenceKl[i];
        local /= batch.Size;
        var mean = new[] { local };
        _collective.AllReduceSum(mean, $"KL estimate of update {update}");
        double shift = local - mean[0] / WorldSize;
        return referenceKl.Select(r => (float)(r + shift)).ToArray();
    }

    /// <summary>Checks that every rank holds the same <paramref name="value"/> (e.g. the update a resumed run starts from).</summary>
    /// <exception cref="UserError">The ranks disagree, with <paramref name="hint"/>.</exception>
    public void EnsureSame(long value, string what, string hint)
    {
        if (!Active) return;
        var sum = new double[] { value };
        _collective.AllReduceSum(sum, what);
        if (sum[0] != (double)value * WorldSize)
            throw new UserError($"Rank {Rank} has {what} {value}, but the {WorldSize} ranks disagree (their values sum to {sum[0]}).", hint);
    }

    /// <summary>Sums <paramref name="values"/> over the ranks in place (metrics before logging, run totals).</summary>
    public void Sum(double[] values, string what)
    {
        if (Active) _collective.AllReduceSum(values, what);
    }

    /// <summary>Adds the interval's mean all-reduce bytes and seconds per update to <paramref name="metrics"/>, and restarts the interval.</summary>
    public void Report(IDictionary<string, double> metrics)
    {
        if (!Active || _reduces == 0) return;
        metrics["ddp/allreduce_bytes"] = GradientBytes;
        metrics["ddp/allreduce_seconds"] = _reduceSeconds / _reduces;
        (_reduceSeconds, _reduces) = (0, 0);
    }

    public void Dispose()
    {
        _nccl?.Dispose();
        _collective.Dispose();
    }
}
