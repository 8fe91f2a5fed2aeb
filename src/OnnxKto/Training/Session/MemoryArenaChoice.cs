using System.Globalization;

namespace OnnxKto.Training.Session;

/// <summary>
/// Whether a CPU run uses ONNX Runtime's memory arena (<c>memory_arena</c>), and why. With the arena a step reuses the
/// previous step's buffers: no page faults after the first steps, about 3x faster on the GPT-2-shaped step, and the
/// arena's slack on top of the peak. Without it every large tensor is mapped and returned to the system each step
/// (<c>Runtime/HostMemory</c>): the lowest peak, and a page fault per 4 KiB of every activation.
/// </summary>
/// <param name="On">Use the arena.</param>
/// <param name="Reason">One line for <c>train</c>'s log, e.g. "on (auto: the plan with the arena, 2.70 GiB, fits the 20.1 GiB available)".</param>
public sealed record MemoryArenaChoice(bool On, string Reason)
{
    /// <summary>
    /// An explicit <paramref name="setting"/> wins; otherwise (auto) the arena is on when <paramref name="withArena"/>
    /// fits in <paramref name="availableBytes"/>, or when nothing says how much memory there is.
    /// </summary>
    /// <param name="setting"><c>memory_arena</c>: true, false, or null for auto.</param>
    /// <param name="withArena">The run's plan counted with the arena (<see cref="MemoryPlan.For"/> with arena: true).</param>
    /// <param name="availableBytes">Memory the run may take (<c>--memory-limit</c> or the host's), or null when unknown.</param>
    public static MemoryArenaChoice Decide(bool? setting, MemoryPlan withArena, long? availableBytes)
    {
        if (setting is { } explicitly)
            return new(explicitly, explicitly ? "on (memory_arena: true)" : "off (memory_arena: false): large tensors go back to the system each step");
        string plan = Gib(withArena.TotalBytes);
        if (availableBytes is not { } available) return new(true, $"on (auto: the plan with the arena is {plan} GiB; available memory unknown)");
        return withArena.TotalBytes <= available
            ? new(true, $"on (auto: the plan with the arena, {plan} GiB, fits the {Gib(available)} GiB available)")
            : new(false, $"off (auto: the plan with the arena, {plan} GiB, exceeds the {Gib(available)} GiB available; " +
                "large tensors go back to the system each step, slower; memory_arena: true forces it)");
    }

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture);
}
