using System.Runtime.InteropServices;

namespace OnnxKto.Collectives;

/// <summary>
/// NCCL 2 (<c>libnccl.so.2</c>) and the two CUDA runtime calls around it, resolved at run time from the library search
/// path (<c>LD_LIBRARY_PATH</c>, as ONNX Runtime's CUDA provider finds its libraries), so the build needs neither.
/// </summary>
internal static class NcclNative
{
    public const string NcclLibrary = "libnccl.so.2";
    private static readonly string[] CudaRuntimes = ["libcudart.so.13", "libcudart.so.12", "libcudart.so"];

    /// <summary><c>ncclUniqueId</c>: 128 opaque bytes made by rank 0 and handed to every rank.</summary>
    public const int UniqueIdBytes = 128;

    /// <summary><c>ncclFloat32</c> and <c>ncclAvg</c> (NCCL ≥ 2.10).</summary>
    public const int Float32 = 7, Avg = 4;

    public delegate int GetUniqueId(byte[] id);
    public delegate int CommInitRank(out IntPtr comm, int ranks, UniqueId id, int rank);
    public delegate int AllReduce(IntPtr send, IntPtr receive, nuint count, int type, int op, IntPtr comm, IntPtr stream);
    public delegate int Group();
    public delegate int CommDestroy(IntPtr comm);
    public delegate IntPtr GetErrorString(int result);
    public delegate int SetDevice(int device);
    public delegate int DeviceSynchronize();

    /// <summary>The unique id passed by value, as <c>ncclCommInitRank</c> takes it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct UniqueId
    {
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = UniqueIdBytes)]
        public byte[] Bytes;
    }

    /// <summary>The bound entry points.</summary>
    public sealed record Api(GetUniqueId GetUniqueId, CommInitRank CommInitRank, AllReduce AllReduce, Group GroupStart, Group GroupEnd,
        CommDestroy CommDestroy, GetErrorString GetErrorString, SetDevice SetDevice, DeviceSynchronize DeviceSynchronize);

    /// <summary>Loads NCCL and the CUDA runtime.</summary>
    /// <exception cref="UserError">Either library is missing, naming it and where it usually comes from.</exception>
    public static Api Load()
    {
        if (!NativeLibrary.TryLoad(NcclLibrary, out var nccl))
            throw new UserError($"--device cuda with several ranks all-reduces gradients with NCCL, and {NcclLibrary} cannot be loaded.",
                "Install NCCL 2 (e.g. `pip install nvidia-nccl-cu13` and add its nvidia/nccl/lib to LD_LIBRARY_PATH, or the libnccl2 package), " +
                "or run one rank per node on the CPU.");
        var cudart = CudaRuntimes.Select(n => NativeLibrary.TryLoad(n, out var h) ? h : IntPtr.Zero).FirstOrDefault(h => h != IntPtr.Zero);
        if (cudart == IntPtr.Zero)
            throw new UserError($"NCCL needs the CUDA runtime, and none of {string.Join(", ", CudaRuntimes)} can be loaded.",
                "Add the CUDA runtime's folder to LD_LIBRARY_PATH, as for --device cuda itself.");
        T F<T>(IntPtr library, string name) where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
        return new Api(F<GetUniqueId>(nccl, "ncclGetUniqueId"), F<CommInitRank>(nccl, "ncclCommInitRank"), F<AllReduce>(nccl, "ncclAllReduce"),
            F<Group>(nccl, "ncclGroupStart"), F<Group>(nccl, "ncclGroupEnd"), F<CommDestroy>(nccl, "ncclCommDestroy"),
            F<GetErrorString>(nccl, "ncclGetErrorString"), F<SetDevice>(cudart, "cudaSetDevice"), F<DeviceSynchronize>(cudart, "cudaDeviceSynchronize"));
    }
}
