namespace OnnxKto.Training.Artifacts;

/// <summary>
/// How the training graphs trade compute for memory: what the forward pass keeps for the backward pass, and how much of
/// the vocabulary-sized head is alive at once. Neither changes the loss or the gradients beyond float rounding.
/// </summary>
public sealed record MemorySettings
{
    /// <summary>
    /// <c>gradient_checkpointing</c> (Hugging Face / TRL): keep only each decoder layer's input in the forward pass and
    /// recompute the layer during the backward pass, about one more forward pass of compute for the layers' activations.
    /// Example: true.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>
    /// Most completion rows the vocabulary head (logits, log-softmax, their gradient) works on at once, for the configured
    /// batch × max_length: the scored rows are split into ⌈batch·max_length / rows⌉ pieces run one after another, and, when
    /// there are several or <see cref="GradientCheckpointing"/> is on, the training graph recomputes each piece's logits
    /// in the backward pass rather than keeping (rows, V) tensors from the forward (one more head GEMM per step). A head in
    /// one piece without checkpointing is kept (faster). Null runs the head on all rows at once and keeps it. Example: 1024.
    /// </summary>
    public int? HeadChunkRows { get; init; } = 1024;

    /// <summary>No checkpointing, head in pieces of at most 1024 rows.</summary>
    public static MemorySettings Default { get; } = new();

    /// <summary>Pieces the head's rows are split into for <paramref name="batch"/> sequences of <paramref name="maxLength"/> tokens.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="HeadChunkRows"/> is below 1.</exception>
    public int HeadChunks(int batch, int maxLength)
    {
        if (HeadChunkRows is not { } rows) return 1;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1, nameof(HeadChunkRows));
        long scored = Math.Max(1L, (long)batch * maxLength);
        return (int)Math.Max(1, (scored + rows - 1) / rows);
    }
}
