namespace OnnxKto.Collectives;

/// <summary>How this process was launched, read from the variables launchers set.</summary>
internal enum Launcher
{
    /// <summary>No launcher: one process.</summary>
    None,
    /// <summary>Open MPI's <c>mpirun</c> (<c>OMPI_COMM_WORLD_*</c>).</summary>
    OpenMpi,
    /// <summary>Another MPI (MPICH, Intel MPI: <c>PMI_RANK</c>), whose handles this binding cannot use.</summary>
    OtherMpi,
    /// <summary>A torchrun-style launcher (<c>RANK</c>, <c>WORLD_SIZE</c>, <c>LOCAL_RANK</c>, <c>MASTER_ADDR</c>).</summary>
    Torchrun,
}
