using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>
/// Autoregressive generation with a KV cache and continuous batching (<see cref="ContinuousBatcher"/>): up to a batch
/// of sequences decode together, one new token each per call; when one finishes, the next waiting one takes its row. Rows stop at
/// EOS (not included in the output), at a stop string, at <see cref="GenerationOptions.MaxNewTokens"/>, or at the
/// model's context length. Each (prompt, sample) samples from its own seeded stream, so what a sequence generates does
/// not depend on the batch size nor on its neighbours.
/// </summary>
public sealed class TextGenerator(InferenceModel model)
{
    /// <summary>Generates <see cref="GenerationOptions.NumReturnSequences"/> completions for each prompt, all in one batch.</summary>
    /// <param name="prompts">Token ids per prompt (none empty).</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="onToken">Called with (sequence index, token id) as each token is chosen, for streaming.</param>
    /// <returns>The new token ids per sequence (prompt p's sample s at p·N + s), EOS excluded.</returns>
    /// <exception cref="UserError">An empty prompt, or one that fills the context length.</exception>
    public IReadOnlyList<int[]> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options, Action<int, int>? onToken = null)
    {
        int samples = options.NumReturnSequences;
        var outputs = new int[prompts.Count * samples][];
        Generate(prompts, options, Math.Max(1, outputs.Length), s => outputs[s.Prompt * samples + s.Sample] = s.Ids, onToken);
        return outputs;
    }

    /// <summary>
    /// Generates <see cref="GenerationOptions.NumReturnSequences"/> completions for each prompt, at most
    /// <paramref name="batchSize"/> decoding together, handing each to <paramref name="onFinished"/> as it ends
    /// (roughly in prompt order; sequences that end early come out early).
    /// </summary>
    /// <param name="prompts">Token ids per prompt (none empty).</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="batchSize">Most sequences decoding together, e.g. 8.</param>
    /// <param name="onFinished">Receives each finished sequence.</param>
    /// <param name="onToken">Called with (sequence index p·N + s, token id) as each token is chosen.</param>
    /// <exception cref="UserError">An empty prompt, or one that fills the context length.</exception>
    public void Generate(IReadOnlyList<int[]> prompts, GenerationOptions options, int batchSize, Action<GeneratedSequence> onFinished,
        Action<int, int>? onToken = null)
    {
        options.Validate();
        for (int p = 0; p < prompts.Count; p++) ContinuousBatcher.CheckPrompt(model, prompts[p], $"Prompt {p + 1}");
        int samples = options.NumReturnSequences, total = prompts.Count * samples;
        if (total == 0) return;
        using var batcher = new ContinuousBatcher(model, Math.Min(Math.Max(1, batchSize), total));
        for (int p = 0; p < prompts.Count; p++)
            for (int s = 0; s < samples; s++)
            {
                int prompt = p, sample = s;
                batcher.Enqueue(new DecodeRequest
                {
                    Prompt = prompts[p], Options = options, Seed = TokenSampler.SequenceSeed(options.Seed, p, s),
                    OnToken = onToken is null ? null : token => onToken(prompt * samples + sample, token),
                    OnFinished = (ids, _) => onFinished(new GeneratedSequence(prompt, sample, ids)),
                });
            }
        while (!batcher.IsIdle) batcher.Step();
    }

    /// <summary>Generates text for one prompt, streaming each new piece of text to <paramref name="onText"/>.</summary>
    /// <returns>The completion's text as the continuation of the prompt, cut before a stop string.</returns>
    public string Generate(string prompt, GenerationOptions options, Action<string>? onText = null)
    {
        var tokenizer = model.Tokenizer;
        var promptIds = tokenizer.Encode(prompt);
        var generated = new List<int>();
        string shown = "";
        var ids = Generate([promptIds], options with { NumReturnSequences = 1 }, (_, token) =>
        {
            generated.Add(token);
            var text = StopStringCheck.Cut(ContinuationText.Of(tokenizer, promptIds, generated), options.StopStrings);
            // Byte-level tokens can end inside a UTF-8 character; wait for the rest before showing it.
            if (text.EndsWith('\uFFFD') || !text.StartsWith(shown, StringComparison.Ordinal)) return;
            onText?.Invoke(text[shown.Length..]);
            shown = text;
        })[0];
        return Completion(promptIds, ids, options).Text;
    }

    /// <summary>The completion that generated <paramref name="ids"/> make after <paramref name="prompt"/>, cut before
    /// the first of <paramref name="options"/>' stop strings (<see cref="SampledCompletion.Of"/>).</summary>
    public SampledCompletion Completion(int[] prompt, int[] ids, GenerationOptions options) =>
        SampledCompletion.Of(model.Tokenizer, prompt, ids, options.StopStrings);
}
