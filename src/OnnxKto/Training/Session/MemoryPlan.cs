using System.Globalization;
using OnnxKto.Models;
using OnnxKto.Runtime;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Optimizers;

namespace OnnxKto.Training.Session;

/// <summary>One line of a <see cref="MemoryPlan"/>.</summary>
/// <param name="Name">What the bytes hold, e.g. "optimizer state (AdamW moments)".</param>
/// <param name="Bytes">How many.</param>
public sealed record MemoryPart(string Name, long Bytes);

/// <summary>
/// What a training run will hold at its peak, worked out from the manifest and the configured batch and length before
/// anything is allocated: parameters, gradients and optimizer state as the <see cref="TrainingSession"/> lays them out,
/// the activations the backward pass keeps, and the vocabulary-sized head. <c>train</c> prints it and refuses a plan
/// larger than the memory available, with the fixes, instead of being killed halfway through.
/// </summary>
/// <remarks>
/// Activations are an estimate: fp32 values kept per token and decoder layer, counted from the layer's graph (about
/// 14 hidden-sized, 5 intermediate-sized and 4 attention-row values) and scaled by <see cref="ActivationCalibration"/>,
/// measured on the SmolLM2-135M shape (<c>make bench</c>). With gradient checkpointing a layer keeps only its input,
/// and one layer's activations are alive while it is recomputed. The head keeps about four (rows, vocabulary)
/// tensors, for at most <c>head_chunk_rows</c> rows at a time.
/// </remarks>
public sealed record MemoryPlan(IReadOnlyList<MemoryPart> Parts)
{
    /// <summary>
    /// Measured peak activations over the counted ones: 0.85 on the SmolLM2-135M step with the head in pieces (ORT frees
    /// some values before the backward pass reaches the rest). Re-measure with <c>make bench</c> after graph changes.
    /// </summary>
    public const double ActivationCalibration = 0.85;

    /// <summary>Process overhead outside the tensors: the .NET runtime, ORT's sessions and graphs.</summary>
    public const long RuntimeOverheadBytes = 1L << 30;

    /// <summary>
    /// The CPU arena's slack over the lean peak as a fraction of the activations and head: measured 0.23 on the
    /// SmolLM2-135M step and 0.33 on the GPT-2 E=256 step (<c>make bench</c>); counted at 0.5 because the arena grows in
    /// power-of-two extensions and keeps what it took, so batches of other shapes can leave more behind.
    /// </summary>
    public const double ArenaSlack = 0.5;

    /// <summary>The name of the part the CPU arena's slack is counted under.</summary>
    public const string ArenaSlackPart = "ONNX Runtime CPU arena slack (memory_arena: on; half the activations and head)";

    /// <summary>Everything together.</summary>
    public long TotalBytes => Parts.Sum(p => p.Bytes);

    /// <summary>The plan for the artifacts in <paramref name="manifest"/> at <paramref name="batch"/> × <paramref name="length"/> tokens.</summary>
    /// <param name="manifest">The artifacts: parameters, which are trainable, the model's shape, the optimizer.</param>
    /// <param name="batch">per_device_train_batch_size.</param>
    /// <param name="length">The longest sequence a micro-batch holds (prompt + completion, at most max_length).</param>
    /// <param name="completionLength">The longest completion: the head scores at most batch × this many rows.</param>
    /// <param name="accumulationSteps">gradient_accumulation_steps (above 1 a second gradient buffer is held).</param>
    /// <param name="device">CUDA adds the optimizer graph's scratch: (1 + states) chunks of at most <see cref="GraphOptimizer.DefaultChunkElements"/> values.</param>
    /// <param name="arena">ONNX Runtime's CPU arena is on: it keeps the step's tensors between steps and grows in
    /// power-of-two extensions, so more than the peak stays reserved (<see cref="ArenaSlack"/>).</param>
    public static MemoryPlan For(ArtifactManifest manifest, int batch, int length, int completionLength, int accumulationSteps, ExecutionDevice device,
        bool arena = false)
    {
        const long F = sizeof(float);
        var m = manifest.ModelConfig;
        long trainable = manifest.Parameters.Where(p => p.Trainable).Sum(Count), all = manifest.Parameters.Sum(Count);
        int states = OptimizerGraph.StateNames(manifest.Config.Optimizer.Kind, "p").Count;
        long tokens = (long)batch * length;
        double perTokenLayer = ActivationCalibration * F * (14.0 * m.HiddenSize + 5.0 * m.IntermediateSize + 4.0 * m.NumHeads * length);
        var memory = manifest.Config.Memory;
        long activations = memory.GradientCheckpointing
            ? (long)(tokens * (F * m.HiddenSize * m.NumLayers + perTokenLayer))
            : (long)(tokens * perTokenLayer * m.NumLayers);
        long rows = (long)batch * completionLength;
        long pieceRows = memory.HeadChunkRows is { } chunk ? Math.Min(rows, chunk) : rows;
        long head = 4 * F * pieceRows * m.VocabSize;
        List<MemoryPart> parts =
        [
            new($"parameters ({all:N0})", F * all),
            new($"gradients ({trainable:N0}{(accumulationSteps > 1 ? ", two buffers for accumulation" : "")})", F * trainable * (accumulationSteps > 1 ? 2 : 1)),
            new($"optimizer state ({states} per trainable value)", F * trainable * states),
            new($"activations kept for the backward pass ({m.NumLayers} layers, {batch} x {length} tokens" +
                $"{(memory.GradientCheckpointing ? ", gradient checkpointing" : "")}; estimate)", activations),
            new($"vocabulary-sized head ({pieceRows:N0} of {rows:N0} rows at a time x {m.VocabSize:N0})", head),
            new("runtime (.NET, ONNX Runtime sessions)", RuntimeOverheadBytes),
        ];
        if (arena && !device.IsCuda) parts.Add(new(ArenaSlackPart, (long)(ArenaSlack * (activations + head))));
        if (device.IsCuda)
        {
            long scratch = GraphOptimizer.ScratchElements(manifest.Parameters.Where(p => p.Trainable).Max(Count));
            parts.Add(new($"optimizer scratch ({1 + states} x {scratch:N0} values, the optimizer graph's chunk)", F * (1 + states) * scratch));
        }
        return new MemoryPlan(parts);
    }

    /// <summary>The plan as lines, largest part first, e.g. for <c>train</c>'s log.</summary>
    public IEnumerable<string> Lines() =>
        Parts.OrderByDescending(p => p.Bytes).Select(p => $"  {Gib(p.Bytes),9} GiB  {p.Name}").Append($"  {Gib(TotalBytes),9} GiB  total");

    /// <summary>Refuses a plan over <paramref name="availableBytes"/>, naming the largest parts and the fixes.</summary>
    /// <exception cref="UserError">The plan does not fit.</exception>
    public void EnsureFits(long availableBytes, string where)
    {
        if (TotalBytes <= availableBytes) return;
        var largest = string.Join(", ", Parts.OrderByDescending(p => p.Bytes).Take(3).Select(p => $"{p.Name} {Gib(p.Bytes)} GiB"));
        throw new UserError(
            $"The run needs about {Gib(TotalBytes)} GiB but {where} has {Gib(availableBytes)} GiB available. Largest parts: {largest}.",
            "train fewer parameters (LoRA, or 'frozen' patterns), lower per_device_train_batch_size or max_length " +
            "(--set per_device_train_batch_size=2, with gradient_accumulation_steps to keep the effective batch), " +
            "or turn on gradient_checkpointing; --memory-limit overrides the limit.");
    }

    /// <summary>
    /// Host memory this process may still take: the kernel's MemAvailable, capped by a cgroup v2 limit when the
    /// process runs under one (containers, CI), or null where neither can be read.
    /// </summary>
    public static long? HostAvailableBytes()
    {
        long? available = null;
        if (File.Exists("/proc/meminfo"))
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    available = long.Parse(line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        const string cgroup = "/sys/fs/cgroup/";
        if (File.Exists(cgroup + "memory.max") && File.Exists(cgroup + "memory.current")
            && long.TryParse(File.ReadAllText(cgroup + "memory.max").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var max))
        {
            long left = max - long.Parse(File.ReadAllText(cgroup + "memory.current").Trim(), CultureInfo.InvariantCulture);
            available = available is { } a ? Math.Min(a, left) : left;
        }
        return available;
    }

    private static long Count(ManifestParameter p) => p.Shape.Aggregate(1L, (n, d) => n * d);

    private static string Gib(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture);
}
