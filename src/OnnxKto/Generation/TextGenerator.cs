namespace OnnxKto.Generation;

/// <summary>
/// Autoregressive generation with a KV cache: one prefill call over the (left-padded) prompts, then one call per new
/// token that feeds only that token and the cache. Rows stop at EOS (not included in the output), at
/// <see cref="GenerationOptions.MaxNewTokens"/>, or at the model's context length.
/// </summary>
public sealed class TextGenerator(InferenceModel model)
{
    /// <summary>Generates a completion for each prompt, all in one batch.</summary>
    /// <param name="prompts">Token ids per prompt (none empty).</param>
    /// <param name="options">Sampling and stopping.</param>
    /// <param name="onToken">Called with (prompt index, token id) as each token is chosen, for streaming.</param>
    /// <returns>The new token ids per prompt, EOS excluded.</returns>
    /// <exception cref="UserError">An empty prompt, or one that fills the context length.</exception>
    public IReadOnlyList<int[]> Generate(IReadOnlyList<int[]> prompts, GenerationOptions options, Action<int, int>? onToken = null)
    {
        options.Validate();
        int batch = prompts.Count, width = prompts.Max(p => p.Length), context = model.Config.MaxPositions, eos = model.EosTokenId;
        for (int b = 0; b < batch; b++)
            if (prompts[b].Length == 0 || prompts[b].Length >= context)
                throw new UserError($"Prompt {b + 1} has {prompts[b].Length} tokens; it needs at least 1 and fewer than the context length {context}.");

        // Left padding keeps every row's last prompt token in the last column.
        var ids = new long[batch * width];
        var mask = new long[batch * width];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < prompts[b].Length; t++)
            {
                ids[b * width + width - prompts[b].Length + t] = prompts[b][t];
                mask[b * width + width - prompts[b].Length + t] = 1;
            }
        var (logits, cache) = model.Step(ids, mask, InferenceModel.PositionsFromMask(mask, batch), batch, null);

        var sampler = new TokenSampler(options);
        var outputs = prompts.Select(_ => new List<int>()).ToArray();
        var done = new bool[batch];
        var next = new long[batch];
        var positions = prompts.Select(p => (long)p.Length).ToArray();
        int vocab = (int)logits.Dims[2];
        while (true)
        {
            int seq = (int)logits.Dims[1];
            var rows = logits.As<float>();
            for (int b = 0; b < batch; b++)
            {
                if (done[b]) continue;
                int token = sampler.Next(rows.Slice(((b * seq) + seq - 1) * vocab, vocab));
                next[b] = token;
                if (token == eos) { done[b] = true; continue; }
                outputs[b].Add(token);
                onToken?.Invoke(b, token);
                done[b] = outputs[b].Count == options.MaxNewTokens || positions[b] + 1 >= context;
            }
            if (done.All(d => d)) break;

            // Finished rows keep feeding their last token; their outputs are no longer read.
            int total = mask.Length / batch + 1;
            var grown = new long[batch * total];
            for (int b = 0; b < batch; b++)
            {
                Array.Copy(mask, b * (total - 1), grown, b * total, total - 1);
                grown[b * total + total - 1] = 1;
            }
            mask = grown;
            var stepPositions = positions.Select(p => Math.Min(p, context - 1)).ToArray();
            (logits, cache) = model.Step(next, mask, stepPositions, batch, cache);
            for (int b = 0; b < batch; b++) positions[b]++;
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }

    /// <summary>Generates text for one prompt, streaming each new piece of text to <paramref name="onText"/>.</summary>
    /// <returns>The completion's text.</returns>
    public string Generate(string prompt, GenerationOptions options, Action<string>? onText = null)
    {
        var tokenizer = model.Tokenizer;
        var generated = new List<int>();
        string shown = "";
        Generate([tokenizer.Encode(prompt)], options, (_, token) =>
        {
            generated.Add(token);
            var text = tokenizer.Decode(generated);
            // Byte-level tokens can end inside a UTF-8 character; wait for the rest before showing it.
            if (text.EndsWith('\uFFFD') || !text.StartsWith(shown, StringComparison.Ordinal)) return;
            onText?.Invoke(text[shown.Length..]);
            shown = text;
        });
        return tokenizer.Decode(generated);
    }
}
