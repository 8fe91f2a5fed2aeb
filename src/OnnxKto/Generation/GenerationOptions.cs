namespace OnnxKto.Generation;

/// <summary>How <see cref="TextGenerator"/> picks tokens and when it stops (names as in Hugging Face's GenerationConfig).</summary>
public sealed record GenerationOptions
{
    /// <summary>[<c>max_new_tokens</c>] Most tokens generated per prompt, e.g. 128; EOS stops a row earlier.</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>[<c>temperature</c>] 0 (the default) is greedy decoding; above 0 samples from softmax(logits / T), e.g. 0.7.</summary>
    public double Temperature { get; init; }

    /// <summary>[<c>top_p</c>] Nucleus sampling: sample among the most likely tokens whose probabilities add up to p, e.g. 0.9; 1 keeps all.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>
    /// [<c>seed</c>] Seed of the sampler, so a run can be repeated, e.g. 42. Each (prompt, sample) pair draws from its own
    /// stream derived from it, so a completion does not depend on the batch it was decoded in.
    /// </summary>
    public int Seed { get; init; } = 42;

    /// <summary>[<c>num_return_sequences</c>] Completions per prompt, e.g. 4 (sampled, so each differs when temperature is above 0).</summary>
    public int NumReturnSequences { get; init; } = 1;

    /// <summary>
    /// [<c>stop_strings</c>] Text that ends a completion as EOS does, e.g. <c>["\n"]</c>; the completion's text is cut
    /// before the first one it holds.
    /// </summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <exception cref="UserError">A value out of range.</exception>
    public void Validate()
    {
        if (MaxNewTokens <= 0) throw new UserError($"max_new_tokens must be positive, got {MaxNewTokens}.");
        if (Temperature < 0 || double.IsNaN(Temperature)) throw new UserError($"temperature must be 0 (greedy) or positive, got {Temperature}.");
        if (TopP is <= 0 or > 1 || double.IsNaN(TopP)) throw new UserError($"top_p must be in (0, 1], got {TopP}.");
        if (NumReturnSequences <= 0) throw new UserError($"num_return_sequences (--num-samples) must be positive, got {NumReturnSequences}.");
        if (StopStrings.Any(string.IsNullOrEmpty)) throw new UserError("A stop string (--stop) is empty; give the text that ends a completion, e.g. --stop \n.");
    }
}
