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
    /// ORT's CPU memory arena: a step's buffers are kept and reused by the next step, so large activations cost no page
    /// faults after the first steps (about 3x faster on the GPT-2-shaped KTO step), while the arena keeps up to its
    /// peak again in slack. Off, large tensors are mapped and returned to the system one by one (lowest peak RSS).
    /// Off by default here; <c>train</c> decides from its memory plan (<c>memory_arena: auto</c>). Example: true.
    /// </summary>
    public bool CpuMemoryArena { get; init; }

    /// <summary>Run ORT's graph optimizations (all levels); false gives the unfused graph. Example: true.</summary>
    public bool OptimizeGraph { get; init; } = true;
}
