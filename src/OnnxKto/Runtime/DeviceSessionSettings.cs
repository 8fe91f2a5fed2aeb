namespace OnnxKto.Runtime;

/// <summary>How <see cref="ExecutionDevice.CreateSessionOptions"/> tunes a session.</summary>
public sealed record DeviceSessionSettings
{
    /// <summary>Intra-op threads; 0 (the default) means one per core (<see cref="Environment.ProcessorCount"/>). Example: 8.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// CUDA only: let cuBLAS use TF32 for float32 matrix products (ORT's <c>use_tf32</c> provider option).
    /// Off by default so a CUDA run can be compared with a CPU run; on for throughput. Example: true.
    /// </summary>
    public bool UseTf32 { get; init; }

    /// <summary>
    /// ORT's CPU memory arena. Off by default: an arena grows to a step's peak, keeps it for the session's life and
    /// fragments as batch shapes change, while without it ORT's large activations go straight back to the system
    /// (measured on the SmolLM2-135M step: about 3.7 GiB lower peak RSS at the same speed, <c>make bench</c>). Example: false.
    /// </summary>
    public bool CpuMemoryArena { get; init; }

    /// <summary>Run ORT's graph optimizations (all levels); false gives the unfused graph. Example: true.</summary>
    public bool OptimizeGraph { get; init; } = true;
}
