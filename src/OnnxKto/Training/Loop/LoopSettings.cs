namespace OnnxKto.Training.Loop;

/// <summary>How the training loop logs, evaluates, checkpoints and gets its reference log-probs.</summary>
public sealed record LoopSettings
{
    /// <summary><c>logging_steps</c>: log every N updates (our default 10; HF's 500).</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary><c>save_steps</c>: checkpoint every N updates (and at the end). Example: 500.</summary>
    public int SaveSteps { get; init; } = 500;

    /// <summary><c>save_total_limit</c>: keep at most N checkpoints (oldest deleted). Example: null (keep all).</summary>
    public int? SaveTotalLimit { get; init; }

    /// <summary><c>eval_steps</c>: evaluate every N updates when eval data is given. Example: null.</summary>
    public int? EvalSteps { get; init; }

    /// <summary><c>precompute_ref_log_probs</c>: one reference pass before training, cached (our default true; TRL's false).</summary>
    public bool PrecomputeRefLogProbs { get; init; } = true;

    /// <summary>
    /// <c>ddp_timeout</c>: seconds a data-parallel collective waits for the slowest rank before the job stops, naming
    /// the ranks that did not arrive (HF's default 1800). Example: 1800.
    /// </summary>
    public int DdpTimeout { get; init; } = 1800;

    /// <summary>
    /// <c>memory_arena</c> (ours): ONNX Runtime's CPU memory arena, which keeps a step's activations for the next step
    /// (fast: about 3x on the GPT-2-shaped step, no page faults after the first steps) at the price of the arena's slack;
    /// off, every large tensor is mapped and returned to the system each step (lean, slower). Null (auto): on when the
    /// memory plan with the arena fits the memory available (<see cref="Session.MemoryArenaChoice"/>). Example: null.
    /// </summary>
    public bool? MemoryArena { get; init; }
}
