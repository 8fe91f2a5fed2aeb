namespace OnnxKto.Generation;

/// <summary>One sequence for <see cref="ContinuousBatcher"/> to decode: its prompt, how to sample and stop, where results go.</summary>
public sealed class DecodeRequest
{
    /// <summary>The prompt's token ids (at least one, fewer than the context length).</summary>
    public required int[] Prompt { get; init; }

    /// <summary>Sampling and stopping (<see cref="GenerationOptions.NumReturnSequences"/> and <see cref="GenerationOptions.Seed"/> are not read: one request is one sequence).</summary>
    public required GenerationOptions Options { get; init; }

    /// <summary>The seed of this sequence's sampler, e.g. <see cref="TokenSampler.SequenceSeed"/> of (seed, prompt, sample).</summary>
    public int Seed { get; init; }

    /// <summary>Called on the decoding thread with each token as it is chosen (EOS excluded).</summary>
    public Action<int>? OnToken { get; init; }

    /// <summary>Called on the decoding thread once, with the new token ids (EOS excluded) and why decoding stopped.</summary>
    public required Action<int[], FinishReason> OnFinished { get; init; }

    /// <summary>Ends the sequence (as <see cref="FinishReason.Cancelled"/>) before the next call when it fires.</summary>
    public CancellationToken Cancellation { get; init; }
}
