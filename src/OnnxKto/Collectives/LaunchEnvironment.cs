using System.Globalization;

namespace OnnxKto.Collectives;

/// <summary>The launcher, this process's rank and local rank, and the job's size.</summary>
/// <param name="Launcher">Which launcher set the variables.</param>
/// <param name="Rank">Global rank.</param>
/// <param name="WorldSize">Processes in the job.</param>
/// <param name="LocalRank">Rank among the processes of this node (the GPU a rank uses).</param>
internal sealed record LaunchEnvironment(Launcher Launcher, int Rank, int WorldSize, int LocalRank)
{
    /// <summary>Reads the process environment (or <paramref name="variables"/>, for tests).</summary>
    public static LaunchEnvironment Read(IReadOnlyDictionary<string, string>? variables = null)
    {
        string? Get(string name) => variables is null ? Environment.GetEnvironmentVariable(name) : variables.GetValueOrDefault(name);
        int Int(string name, int fallback) =>
            int.TryParse(Get(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
        if (Get("OMPI_COMM_WORLD_SIZE") is not null)
            return new(Launcher.OpenMpi, Int("OMPI_COMM_WORLD_RANK", 0), Int("OMPI_COMM_WORLD_SIZE", 1), Int("OMPI_COMM_WORLD_LOCAL_RANK", 0));
        if (Get("PMI_SIZE") is not null)
            return new(Launcher.OtherMpi, Int("PMI_RANK", 0), Int("PMI_SIZE", 1), Int("MPI_LOCALRANKID", 0));
        if (Get("WORLD_SIZE") is not null && Get("RANK") is not null)
            return new(Launcher.Torchrun, Int("RANK", 0), Int("WORLD_SIZE", 1), Int("LOCAL_RANK", 0));
        return new(Launcher.None, 0, 1, 0);
    }

    /// <summary>
    /// The collective for this launch: none (one process, libmpi never loaded) for a job of one, Open MPI's under mpirun.
    /// A torchrun-style environment or another MPI is refused with how to launch instead.
    /// </summary>
    /// <param name="timeout">How long a collective waits for the slowest rank (<c>ddp_timeout</c>).</param>
    /// <exception cref="UserError">An unsupported launcher, or Open MPI missing.</exception>
    public ICollective Join(TimeSpan timeout) => (Launcher, WorldSize) switch
    {
        (_, <= 1) => new SingleProcess(),
        (Launcher.OpenMpi, _) => MpiCollective.Start(timeout),
        (Launcher.OtherMpi, _) => throw new UserError(
            $"This process was started by an MPI other than Open MPI (PMI_SIZE={WorldSize}); onnx-kto binds Open MPI 4.x only.",
            "Launch with Open MPI's mpirun (Debian/Ubuntu: openmpi-bin)."),
        _ => throw new UserError(
            $"A torchrun-style environment (RANK={Rank}, WORLD_SIZE={WorldSize}) was found, but onnx-kto's ranks meet through MPI, not " +
            "torch.distributed's store.",
            $"Launch with mpirun instead, one rank per GPU or CPU socket: `mpirun -np {WorldSize} onnx-kto train ...` (add -H host1:8,host2:8 " +
            "for several nodes). Unset WORLD_SIZE to run one process."),
    };
}
