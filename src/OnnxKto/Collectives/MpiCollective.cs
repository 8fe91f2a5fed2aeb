using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using static OnnxKto.Collectives.MpiNative;

namespace OnnxKto.Collectives;

/// <summary>
/// The ranks of an <c>mpirun</c> job over Open MPI. Each all-reduce is non-blocking (<c>MPI_Iallreduce</c> in place)
/// and polled (<c>MPI_Test</c>) against a deadline. While it waits, a rank answers its peers' liveness probes; past the
/// deadline it probes every peer, names those that do not answer (stopped, hung or dead) and stops the job with
/// <c>MPI_Abort</c>. (A rank that exits is usually noticed first by mpirun, which stops the job and names it.)
/// </summary>
internal sealed class MpiCollective : ICollective
{
    private const int ProbeTag = 7, ReplyTag = 8;
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(2);
    private readonly TimeSpan _timeout;
    // One posted receive per peer for its probes, answered while waiting, re-posted after each.
    private readonly int[] _probeIn;
    private readonly IntPtr[] _probes;
    private readonly GCHandle _probePin;
    private readonly int[] _token = [1];
    private readonly GCHandle _tokenPin;
    private readonly List<IntPtr> _sends = [];
    private bool _finalized;

    private MpiCollective(int rank, int size, TimeSpan timeout)
    {
        Rank = rank;
        WorldSize = size;
        _timeout = timeout;
        _probeIn = new int[size];
        _probes = new IntPtr[size];
        _probePin = GCHandle.Alloc(_probeIn, GCHandleType.Pinned);
        _tokenPin = GCHandle.Alloc(_token, GCHandleType.Pinned);
        foreach (var peer in Peers()) PostProbeReceive(peer);
    }

    public int Rank { get; }
    public int WorldSize { get; }
    public string Backend => "Open MPI";

    /// <summary>Initialises MPI (once per process) and joins MPI_COMM_WORLD.</summary>
    /// <param name="timeout">How long a collective may wait for the slowest rank (<c>ddp_timeout</c>).</param>
    /// <exception cref="UserError">libmpi.so.40 is missing or MPI_Init fails.</exception>
    public static MpiCollective Start(TimeSpan timeout)
    {
        Load();
        Check(MPI_Initialized(out int initialized), "MPI_Initialized");
        if (initialized == 0) Check(MPI_Init(IntPtr.Zero, IntPtr.Zero), "MPI_Init");
        Check(MPI_Comm_rank(CommWorld, out int rank), "MPI_Comm_rank");
        Check(MPI_Comm_size(CommWorld, out int size), "MPI_Comm_size");
        return new MpiCollective(rank, size, timeout);
    }

    public void AllReduceSum(float[] buffer, string what) => AllReduce(buffer, buffer.Length, FloatType, what);

    public void AllReduceSum(double[] buffer, string what) => AllReduce(buffer, buffer.Length, DoubleType, what);

    public void Broadcast(byte[] buffer)
    {
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            Check(MPI_Bcast(pin.AddrOfPinnedObject(), buffer.Length, ByteType, 0, CommWorld), "MPI_Bcast");
        }
        finally
        {
            pin.Free();
        }
    }

    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        for (int peer = 0; peer < WorldSize; peer++)
        {
            if (_probes[peer] == IntPtr.Zero) continue;
            MPI_Cancel(ref _probes[peer]);
            MPI_Wait(ref _probes[peer], IntPtr.Zero);
        }
        for (int i = 0; i < _sends.Count; i++)
        {
            var send = _sends[i];
            MPI_Wait(ref send, IntPtr.Zero);
        }
        if (MPI_Finalized(out int done) == Success && done == 0) MPI_Finalize();
        _probePin.Free();
        _tokenPin.Free();
    }

    private IEnumerable<int> Peers() => Enumerable.Range(0, WorldSize).Where(p => p != Rank);

    private void AllReduce(Array buffer, int count, IntPtr type, string what)
    {
        var pin = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            Check(MPI_Iallreduce(InPlace, pin.AddrOfPinnedObject(), count, type, Sum, CommWorld, out var request), "MPI_Iallreduce");
            var clock = Stopwatch.StartNew();
            while (!Test(ref request))
            {
                ServeProbes();
                if (clock.Elapsed > _timeout)
                {
                    var silent = Unresponsive();
                    Stop($"{what}: {(silent.Count > 0 ? $"rank(s) {string.Join(", ", silent)} of {WorldSize} did not arrive" : "the all-reduce did not complete")} " +
                         $"within ddp_timeout ({_timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s): " +
                         (silent.Count > 0 ? "they do not answer (died, stopped or hung)." : "every rank answers, so they are out of step."));
                }
                // Open MPI advances a non-blocking collective only inside MPI calls, so poll without sleeping, but yield
                // the core: on an oversubscribed node the other ranks need it to reach the collective.
                Thread.Yield();
            }
        }
        finally
        {
            pin.Free();
        }
    }

    // Answers every probe that has come in, and re-posts its receive; forgets completed answers.
    private void ServeProbes()
    {
        foreach (var peer in Peers())
        {
            if (!Test(ref _probes[peer])) continue;
            Check(MPI_Isend(_tokenPin.AddrOfPinnedObject(), 1, IntType, peer, ReplyTag, CommWorld, out var reply), "MPI_Isend");
            _sends.Add(reply);
            PostProbeReceive(peer);
        }
        _sends.RemoveAll(send => Test(ref send));
    }

    // Probes every peer and returns those that do not answer within ProbeWait (answering theirs meanwhile).
    private List<int> Unresponsive()
    {
        var answers = new int[WorldSize];
        var pin = GCHandle.Alloc(answers, GCHandleType.Pinned);
        var replies = new IntPtr[WorldSize];
        foreach (var peer in Peers())
        {
            Check(MPI_Irecv(pin.AddrOfPinnedObject() + peer * sizeof(int), 1, IntType, peer, ReplyTag, CommWorld, out replies[peer]), "MPI_Irecv");
            Check(MPI_Isend(_tokenPin.AddrOfPinnedObject(), 1, IntType, peer, ProbeTag, CommWorld, out var probe), "MPI_Isend");
            _sends.Add(probe);
        }
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ProbeWait && Peers().Any(p => !Test(ref replies[p])))
        {
            ServeProbes();
            Thread.Sleep(1);
        }
        return Peers().Where(p => replies[p] != IntPtr.Zero).ToList();  // the job is aborted next, so the pin may stay
    }

    private void PostProbeReceive(int peer) =>
        Check(MPI_Irecv(_probePin.AddrOfPinnedObject() + peer * sizeof(int), 1, IntType, peer, ProbeTag, CommWorld, out _probes[peer]), "MPI_Irecv");

    // A completed request is marked by zeroing our copy (Open MPI's MPI_REQUEST_NULL is a global's address).
    private static bool Test(ref IntPtr request)
    {
        if (request == IntPtr.Zero) return true;
        var r = request;
        Check(MPI_Test(ref r, out int flag, IntPtr.Zero), "MPI_Test");
        if (flag != 0) request = IntPtr.Zero;
        return flag != 0;
    }

    private void Stop(string message)
    {
        Console.Error.WriteLine($"error: rank {Rank}: {message} Stopping all {WorldSize} ranks (MPI_Abort).");
        Console.Error.Flush();
        MPI_Abort(CommWorld, 1);
        Environment.Exit(1);  // MPI_Abort does not return; this is for a launcher that lets it
    }

    private static void Check(int code, string call)
    {
        if (code != Success) throw new UserError($"{call} failed with MPI error {code}.", "Check the mpirun command and that every node runs the same Open MPI.");
    }
}
