using System.Runtime.InteropServices;

namespace OnnxKto.Collectives;

/// <summary>
/// The few Open MPI 4.x entry points data parallelism needs, bound by P/Invoke to <c>libmpi.so.40</c>.
/// Open MPI's handles are pointers: <c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c> and <c>MPI_SUM</c> are the addresses of the
/// global symbols <c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c> (MPICH's are ints, so this
/// binding is Open MPI's only). Nothing here runs until <see cref="Load"/>, which only a launched rank calls.
/// </summary>
internal static class MpiNative
{
    public const string Library = "libmpi.so.40";
    public const int Success = 0;
    public static readonly IntPtr InPlace = 1;  // MPI_IN_PLACE

    private static IntPtr _library;

    /// <summary>MPI_COMM_WORLD, MPI_BYTE, MPI_FLOAT, MPI_DOUBLE, MPI_INT and MPI_SUM, read after <see cref="Load"/>.</summary>
    public static IntPtr CommWorld, ByteType, FloatType, DoubleType, IntType, Sum;

    /// <summary>
    /// Loads libmpi with its symbols global (Open MPI's plugins resolve against them, which .NET's default local load
    /// breaks) and reads the predefined handles.
    /// </summary>
    /// <exception cref="UserError">libmpi.so.40 (Open MPI 4.x) is not installed.</exception>
    public static void Load()
    {
        if (_library != IntPtr.Zero) return;
        const int RtldNow = 2, RtldGlobal = 0x100;
        _library = OperatingSystem.IsLinux() ? dlopen(Library, RtldNow | RtldGlobal) : IntPtr.Zero;
        if (_library == IntPtr.Zero)
            throw new UserError($"This process was started by mpirun, but {Library} (Open MPI 4.x) cannot be loaded.",
                "Install Open MPI (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev; `make test` does it) and launch with its mpirun.");
        IntPtr Symbol(string name) => NativeLibrary.GetExport(_library, name);
        CommWorld = Symbol("ompi_mpi_comm_world");
        ByteType = Symbol("ompi_mpi_byte");
        FloatType = Symbol("ompi_mpi_float");
        DoubleType = Symbol("ompi_mpi_double");
        IntType = Symbol("ompi_mpi_int");
        Sum = Symbol("ompi_mpi_op_sum");
    }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr dlopen(string file, int mode);

    [DllImport(Library)] public static extern int MPI_Initialized(out int flag);
    [DllImport(Library)] public static extern int MPI_Finalized(out int flag);
    [DllImport(Library)] public static extern int MPI_Init(IntPtr argc, IntPtr argv);
    [DllImport(Library)] public static extern int MPI_Finalize();
    [DllImport(Library)] public static extern int MPI_Comm_rank(IntPtr comm, out int rank);
    [DllImport(Library)] public static extern int MPI_Comm_size(IntPtr comm, out int size);
    [DllImport(Library)] public static extern int MPI_Abort(IntPtr comm, int errorCode);
    [DllImport(Library)] public static extern int MPI_Bcast(IntPtr buffer, int count, IntPtr type, int root, IntPtr comm);
    [DllImport(Library)] public static extern int MPI_Iallreduce(IntPtr send, IntPtr receive, int count, IntPtr type, IntPtr op, IntPtr comm, out IntPtr request);
    [DllImport(Library)] public static extern int MPI_Isend(IntPtr buffer, int count, IntPtr type, int dest, int tag, IntPtr comm, out IntPtr request);
    [DllImport(Library)] public static extern int MPI_Irecv(IntPtr buffer, int count, IntPtr type, int source, int tag, IntPtr comm, out IntPtr request);
    [DllImport(Library)] public static extern int MPI_Test(ref IntPtr request, out int flag, IntPtr status);
    [DllImport(Library)] public static extern int MPI_Cancel(ref IntPtr request);
    [DllImport(Library)] public static extern int MPI_Wait(ref IntPtr request, IntPtr status);
}
