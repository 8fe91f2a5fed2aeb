using OnnxKto.Training.Configuration;

namespace OnnxKto.Training.Loop;

/// <summary>Everything <c>onnx-kto train</c> was asked to do.</summary>
public sealed record TrainOptions
{
    /// <summary>Folder written by <c>onnx-kto artifacts</c>.</summary>
    public required string Artifacts { get; init; }

    /// <summary>Training data (.parquet, .jsonl, .json, a folder or glob of shards).</summary>
    public required string Data { get; init; }

    /// <summary>Optional eval data, evaluated every <c>eval_steps</c>.</summary>
    public string? EvalData { get; init; }

    /// <summary>The run folder (metrics, checkpoints, reference cache).</summary>
    public required string Output { get; init; }

    /// <summary>The config; its baked settings must match the artifacts'.</summary>
    public required KtoConfig Config { get; init; }

    /// <summary>
    /// Artifacts whose initial weights are the reference model instead of <see cref="Artifacts"/>' (null: the same
    /// folder), e.g. the initial model's while the policy starts from a later round's; the reference log-probs are
    /// precomputed with them. Both folders must share the tokenizer and the baked config.
    /// </summary>
    public string? ReferenceArtifacts { get; init; }

    /// <summary>Continue the run in <see cref="Output"/> from its last checkpoint, repeating the uninterrupted run exactly.</summary>
    public bool Resume { get; init; }
    /// <summary>Delete the metrics and checkpoints a run already left in <see cref="Output"/> and start over.</summary>
    public bool Overwrite { get; init; }

    /// <summary>Intra-op threads; 0 uses every core.</summary>
    public int Threads { get; init; }

    /// <summary>cpu (default) or cuda[:N].</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>
    /// The most memory the run may plan for, in bytes; null takes what the host has available (CPU). A plan over it is
    /// refused before anything is allocated or written.
    /// </summary>
    public long? MemoryLimitBytes { get; init; }

    /// <summary>CUDA: allow TF32 matrix products (faster; off for parity with CPU runs).</summary>
    public bool Tf32 { get; init; }
}
