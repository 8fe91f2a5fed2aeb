using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Generation;

/// <summary>
/// Autoregressive generation with a KV cache and continuous batching: up to a batch of sequences decode together, one
/// new token each per call; when one finishes, the next waiting one takes its row, its prompt prefilled in the same
/// call that decodes the others (they see padding there, it sees the finished row's columns as padding). Rows stop at
/// EOS (not included in the output), at a stop string, at <see cref="GenerationOptions.MaxNewTokens"/>, or at the
/// model's context length. Each (prompt, sample) samples from its own seeded stream, so what a sequence generates does
/// not depend on the batch size nor on its neighbours.
/// </summary>
public sealed class TextGenerator(InferenceModel model)
{
    // Leading cache columns that no row attends to any more are dropped once they are half the width (and at least
    // this many), so each column is copied O(1) times on average.
    private const int CompactAfterColumns = 8;

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
        int context = model.Config.MaxPositions, eos = model.EosTokenId, samples = options.NumReturnSequences;
        for (int p = 0; p < prompts.Count; p++)
            if (prompts[p].Length == 0 || prompts[p].Length >= context)
                throw new UserError($"Prompt {p + 1} has {prompts[p].Length} tokens; it needs at least 1 and fewer than the context length {context}.");
        var waiting = new Queue<(int Prompt, int Sample)>();
        for (int p = 0; p < prompts.Count; p++)
            for (int s = 0; s < samples; s++) waiting.Enqueue((p, s));
        if (waiting.Count == 0) return;
        var stops = options.StopStrings.Count > 0 ? new StopStringCheck(model.Tokenizer, options.StopStrings) : null;

        using var batch = new DecodeBatch(model, Math.Min(Math.Max(1, batchSize), waiting.Count));
        var rows = new Sequence?[batch.Rows];
        var mask = Array.Empty<long>();
        while (true)
        {
            // Free rows take waiting sequences; the call is as wide as the longest prompt it prefills.
            var admitted = new bool[batch.Rows];
            for (int b = 0; b < batch.Rows && waiting.Count > 0; b++)
                if (rows[b] is null)
                {
                    var (p, s) = waiting.Dequeue();
                    rows[b] = new Sequence(p, s, prompts[p], new TokenSampler(options, TokenSampler.SequenceSeed(options.Seed, p, s)));
                    admitted[b] = true;
                }
            int seq = Enumerable.Range(0, batch.Rows).Max(b => admitted[b] ? rows[b]!.Prompt.Length : 1);
            int width = batch.Width, total = width + seq;
            var ids = new long[batch.Rows * seq];
            var positions = new long[batch.Rows * seq];
            var grown = new long[batch.Rows * total];
            for (int b = 0; b < batch.Rows; b++)
            {
                if (rows[b] is not { } row) continue;
                if (admitted[b])
                    for (int t = 0; t < row.Prompt.Length; t++)
                    {
                        int column = seq - row.Prompt.Length + t;
                        ids[b * seq + column] = row.Prompt[t];
                        positions[b * seq + column] = t;
                        grown[b * total + width + column] = 1;
                    }
                else
                {
                    Array.Copy(mask, b * width, grown, b * total, width);
                    ids[b * seq + seq - 1] = row.Tokens[^1];
                    positions[b * seq + seq - 1] = row.Position;
                    grown[b * total + total - 1] = 1;
                }
            }
            mask = grown;
            var scores = batch.Run(ids, mask, positions, seq);
            int vocab = model.Config.VocabSize;
            for (int b = 0; b < batch.Rows; b++)
            {
                if (rows[b] is not { } row) continue;
                row.Position = admitted[b] ? row.Prompt.Length : row.Position + 1;
                int token = row.Sampler.Next(scores.Slice((b * seq + seq - 1) * vocab, vocab));
                bool finished = token == eos;
                if (!finished)
                {
                    row.Tokens.Add(token);
                    onToken?.Invoke(row.Index * samples + row.Sample, token);
                    finished = row.Tokens.Count == options.MaxNewTokens || row.Position + 1 >= context || stops?.Found(row.Tokens) == true;
                }
                if (!finished) continue;
                onFinished(new GeneratedSequence(row.Index, row.Sample, row.Tokens.ToArray()));
                rows[b] = null;
                Array.Clear(mask, b * total, total);
            }
            if (waiting.Count == 0 && rows.All(r => r is null)) return;
            (rows, mask) = Compact(batch, rows, mask, refilling: waiting.Count > 0);
        }
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

    /// <summary>
    /// Once no sequence waits, rows that finished are dropped (when at most half the rows still decode); leading
    /// columns that every live row masks are dropped once they make up half the cache.
    /// </summary>
    private static (Sequence?[] Rows, long[] Mask) Compact(DecodeBatch batch, Sequence?[] rows, long[] mask, bool refilling)
    {
        int width = batch.Width;
        var live = Enumerable.Range(0, rows.Length).Where(b => rows[b] is not null).ToArray();
        var keep = !refilling && live.Length <= rows.Length / 2 ? live : Enumerable.Range(0, rows.Length).ToArray();
        int from = live.Length == 0 ? width : live.Min(b => Array.IndexOf(mask, 1L, b * width, width) - b * width);
        if (from < Math.Max(CompactAfterColumns, width / 2)) from = 0;
        if (keep.Length == rows.Length && from == 0) return (rows, mask);
        batch.Compact(keep, from);
        var kept = new long[keep.Length * (width - from)];
        for (int r = 0; r < keep.Length; r++) Array.Copy(mask, keep[r] * width + from, kept, r * (width - from), width - from);
        return (keep.Select(b => rows[b]).ToArray(), kept);
    }

    /// <summary>A sequence decoding in a row: its prompt, tokens so far, the position of its newest token, its sampler.</summary>
    private sealed class Sequence(int index, int sample, int[] prompt, TokenSampler sampler)
    {
        public int Index { get; } = index;
        public int Sample { get; } = sample;
        public int[] Prompt { get; } = prompt;
        public TokenSampler Sampler { get; } = sampler;
        public List<int> Tokens { get; } = [];
        public long Position { get; set; }
    }
}
