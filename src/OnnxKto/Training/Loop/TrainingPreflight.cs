using OnnxKto.Data;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Session;

namespace OnnxKto.Training.Loop;

/// <summary>The checks <see cref="Trainer"/> makes before it allocates or writes anything.</summary>
internal static class TrainingPreflight
{
    /// <summary>Settings baked into the graphs (loss, optimizer, trainable/frozen) cannot change after generation.</summary>
    /// <exception cref="UserError">The config differs from the artifacts' in a baked setting.</exception>
    public static void CheckConfigMatchesArtifacts(KtoConfig config, ArtifactManifest manifest, string artifactsFolder)
    {
        var differences = KtoConfigKeys.BakedDifferences(config, manifest.Config);
        if (differences.Count > 0)
            throw new UserError(
                $"The config differs from the one the artifacts in '{artifactsFolder}' were generated with, in settings baked into the graphs: " +
                $"{string.Join("; ", differences)}. Regenerate the artifacts with this config ('onnx-kto artifacts ... --config').");
    }

    /// <summary>
    /// Prints the memory plan, decides the CPU arena from it (<see cref="MemoryArenaChoice"/>) and refuses a plan over the
    /// limit before the run allocates or writes anything.
    /// </summary>
    /// <returns>Whether the sessions use ONNX Runtime's CPU arena.</returns>
    /// <exception cref="UserError">The plan does not fit the limit.</exception>
    public static bool CheckMemoryPlan(TrainOptions options, int rowsPerMicroBatch, ArtifactManifest manifest, ExecutionDevice device,
        IReadOnlyList<TokenizedExample> data, Action<string> log)
    {
        var config = options.Config;
        // Micro-batches pad to their longest row, so the data's longest row (already cut to max_length) bounds them.
        MemoryPlan PlanFor(bool arena) => MemoryPlan.For(manifest, rowsPerMicroBatch,
            data.Max(e => e.PromptIds.Length + e.CompletionIds.Length), data.Max(e => e.CompletionIds.Length),
            config.Schedule.GradientAccumulationSteps, device, arena);
        var limit = options.MemoryLimitBytes ?? (device.IsCuda ? null : MemoryPlan.HostAvailableBytes());
        var arena = device.IsCuda ? null : MemoryArenaChoice.Decide(config.Loop.MemoryArena, PlanFor(arena: true), limit);
        var plan = PlanFor(arena?.On ?? false);
        log($"memory plan ({device}):");
        foreach (var line in plan.Lines()) log(line);
        if (arena is not null) log($"memory arena: {arena.Reason}");
        if (limit is { } bytes) plan.EnsureFits(bytes, options.MemoryLimitBytes is null ? "this machine" : "--memory-limit");
        return arena?.On ?? false;
    }
}
