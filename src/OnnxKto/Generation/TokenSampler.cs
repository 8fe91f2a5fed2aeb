namespace OnnxKto.Generation;

/// <summary>Picks the next token from one row of logits: greedy, or seeded temperature and top-p (nucleus) sampling.</summary>
internal sealed class TokenSampler(GenerationOptions options, int seed)
{
    private readonly Random _random = new(seed);

    /// <summary>A sampler drawing from <see cref="GenerationOptions.Seed"/> itself.</summary>
    public TokenSampler(GenerationOptions options) : this(options, options.Seed) { }

    /// <summary>
    /// The seed of sample <paramref name="sample"/> of prompt <paramref name="prompt"/>: SplitMix64's finalizer over the
    /// three numbers, so neighbouring pairs get unrelated streams.
    /// </summary>
    public static int SequenceSeed(int seed, int prompt, int sample)
    {
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)prompt * 0xBF58476D1CE4E5B9UL + (ulong)sample * 0x94D049BB133111EBUL + 1);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)(z ^ (z >> 31));
    }

    /// <summary>The next token id for <paramref name="logits"/> (one vocabulary row).</summary>
    public int Next(ReadOnlySpan<float> logits)
    {
        if (options.Temperature == 0) return ArgMax(logits);
        // softmax(logits / T), computed from the maximum for stability.
        float max = logits[ArgMax(logits)];
        var probabilities = new double[logits.Length];
        double total = 0;
        for (int i = 0; i < logits.Length; i++) total += probabilities[i] = Math.Exp((logits[i] - max) / options.Temperature);
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => probabilities[i]).ToArray();
        // The nucleus: the fewest most-likely tokens whose mass reaches top_p (at least one).
        double kept = 0;
        int count = 0;
        while (count < order.Length && (count == 0 || kept < options.TopP * total)) kept += probabilities[order[count++]];
        double draw = _random.NextDouble() * kept;
        for (int i = 0; i < count; i++)
            if ((draw -= probabilities[order[i]]) < 0) return order[i];
        return order[count - 1];
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
