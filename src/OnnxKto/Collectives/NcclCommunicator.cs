using System.Runtime.InteropServices;

namespace OnnxKto.Collectives;

/// <summary>
/// An NCCL communicator over one GPU per rank: rank 0 makes the unique id, the host collective (MPI) hands it to every
/// rank, and <see cref="AverageInPlace"/> averages device buffers in place, all buffers of one call in one NCCL group
/// (one fused launch), then waits for the GPU. NCCL refuses two ranks on one GPU.
/// </summary>
internal sealed class NcclCommunicator : IDisposable
{
    private readonly NcclNative.Api _api;
    private IntPtr _comm;

    private NcclCommunicator(NcclNative.Api api, IntPtr comm)
    {
        _api = api;
        _comm = comm;
    }

    /// <summary>Joins every rank of <paramref name="host"/> on GPU <paramref name="device"/> of this node.</summary>
    /// <exception cref="UserError">NCCL or the CUDA runtime is missing, or NCCL fails (its message quoted).</exception>
    public static NcclCommunicator Create(ICollective host, int device)
    {
        var api = NcclNative.Load();
        Check(api, api.SetDevice(device), $"cudaSetDevice({device})", cuda: true);
        var id = new byte[NcclNative.UniqueIdBytes];
        if (host.Rank == 0) Check(api, api.GetUniqueId(id), "ncclGetUniqueId");
        host.Broadcast(id);
        Check(api, api.CommInitRank(out var comm, host.WorldSize, new NcclNative.UniqueId { Bytes = id }, host.Rank), "ncclCommInitRank");
        return new NcclCommunicator(api, comm);
    }

    /// <summary>Replaces each float32 device buffer with its average over the ranks; returns once the GPU is done.</summary>
    /// <param name="buffers">Device addresses and element counts, the same on every rank.</param>
    public void AverageInPlace(IReadOnlyList<(IntPtr Address, long Count)> buffers)
    {
        Check(_api, _api.GroupStart(), "ncclGroupStart");
        foreach (var (address, count) in buffers)
            Check(_api, _api.AllReduce(address, address, (nuint)count, NcclNative.Float32, NcclNative.Avg, _comm, IntPtr.Zero), "ncclAllReduce");
        Check(_api, _api.GroupEnd(), "ncclGroupEnd");
        Check(_api, _api.DeviceSynchronize(), "cudaDeviceSynchronize", cuda: true);
    }

    public void Dispose()
    {
        if (_comm == IntPtr.Zero) return;
        _api.CommDestroy(_comm);
        _comm = IntPtr.Zero;
    }

    private static void Check(NcclNative.Api api, int result, string call, bool cuda = false)
    {
        if (result == 0) return;
        var detail = cuda ? $"CUDA error {result}" : $"NCCL error {result}: {Marshal.PtrToStringAnsi(api.GetErrorString(result))}";
        throw new UserError($"{call} failed ({detail}).", "Run one rank per GPU (NCCL refuses two ranks on one GPU) and check NCCL_DEBUG=INFO output.");
    }
}
