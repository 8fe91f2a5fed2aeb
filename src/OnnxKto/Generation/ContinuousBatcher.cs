using OnnxKto.Graphs;

namespace OnnxKto.Generation;

/// <summary>
/// Continuous batching over sequences that arrive at any time: up to <c>maxRows</c> decode together, one new token each
/// per <see cref="Step"/>; a waiting sequence takes a free row (or a new one, up to the limit) and its prompt is
/// prefilled in the same call that decodes the others (they see padding there, it sees the row's earlier columns as
/// padding). Each sequence has its own sampler, stop strings and token limit, so what it generates does not depend on
/// its neighbours. Not thread-safe: one thread enqueues and steps (<see cref="TextGenerator"/> in a loop, a server's
/// decoding thread between arrivals).
/// </summary>
public sealed class ContinuousBatcher : IDisposable
{
    // Leading cache columns that no row attends to any more are dropped once they are half the width (and at least
    // this many), so each column is copied O(1) times on average.
    private const int CompactAfterColumns = 8;

    private readonly InferenceModel _model;
    private readonly int _maxRows;
    private readonly DecodeBatch _batch;
    private readonly Queue<DecodeRequest> _waiting = new();
    private Sequence?[] _rows = [];
    private long[] _mask = [];

    /// <param name="model">The decoder.</param>
    /// <param name="maxRows">Most sequences decoding together, e.g. 16.</param>
    /// <param name="constantInputs">Inputs fed to every call by graph input name (a LoRA adapter's matrices); null for none.</param>
    /// <exception cref="UserError">A constant input the model does not take.</exception>
    public ContinuousBatcher(InferenceModel model, int maxRows, IReadOnlyDictionary<string, TensorData>? constantInputs = null)
    {
        _model = model;
        _maxRows = Math.Max(1, maxRows);
        _batch = new DecodeBatch(model, 0, constantInputs);
    }

    /// <summary>Sequences decoding now.</summary>
    public int Live => _rows.Count(r => r is not null);

    /// <summary>Sequences waiting for a row.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>True when nothing decodes nor waits.</summary>
    public bool IsIdle => _waiting.Count == 0 && Live == 0;

    /// <summary>Throws when <paramref name="prompt"/> cannot be decoded by <paramref name="model"/>.</summary>
    /// <param name="model">The decoder.</param>
    /// <param name="prompt">Token ids.</param>
    /// <param name="what">The prompt, for the message (e.g. "Prompt 3").</param>
    /// <exception cref="UserError">An empty prompt, or one that fills the context length.</exception>
    public static void CheckPrompt(InferenceModel model, int[] prompt, string what)
    {
        int context = model.Config.MaxPositions;
        if (prompt.Length == 0 || prompt.Length >= context)
            throw new UserError($"{what} has {prompt.Length} tokens; it needs at least 1 and fewer than the context length {context}.");
    }

    /// <summary>Queues a sequence; it starts decoding in a later <see cref="Step"/>.</summary>
    /// <exception cref="UserError">A prompt the model cannot decode, or bad options.</exception>
    public void Enqueue(DecodeRequest request)
    {
        CheckPrompt(_model, request.Prompt, "The prompt");
        request.Options.Validate();
        _waiting.Enqueue(request);
    }

    /// <summary>
    /// One decoder call: cancelled sequences end, waiting ones take free rows, every row gets its next token, and
    /// finished sequences are handed to their <see cref="DecodeRequest.OnFinished"/>. Does nothing when idle.
    /// </summary>
    public void Step()
    {
        for (int b = 0; b < _rows.Length; b++)
            if (_rows[b] is { Request.Cancellation.IsCancellationRequested: true } cancelled) Finish(b, cancelled, FinishReason.Cancelled);
        while (_waiting.TryPeek(out var next) && next.Cancellation.IsCancellationRequested)
            _waiting.Dequeue().OnFinished([], FinishReason.Cancelled);

        int free = _rows.Count(r => r is null);
        if (_waiting.Count > free && _rows.Length < _maxRows) Grow(Math.Min(_maxRows, _rows.Length + _waiting.Count - free));
        var admitted = new bool[_rows.Length];
        for (int b = 0; b < _rows.Length && _waiting.Count > 0; b++)
            if (_rows[b] is null)
            {
                var request = _waiting.Dequeue();
                _rows[b] = new Sequence(request, new TokenSampler(request.Options, request.Seed), _model);
                admitted[b] = true;
            }
        if (_rows.All(r => r is null))
        {
            Compact(refilling: false);
            return;
        }
        Decode(admitted);
        Compact(refilling: _waiting.Count > 0);
    }

    /// <summary>Releases the decoder's buffers.</summary>
    public void Dispose() => _batch.Dispose();

    // The call is as wide as the longest prompt it prefills; live rows feed their newest token in its last column.
    private void Decode(bool[] admitted)
    {
        int rows = _rows.Length;
        int seq = Enumerable.Range(0, rows).Max(b => admitted[b] ? _rows[b]!.Request.Prompt.Length : 1);
        int width = _batch.Width, total = width + seq;
        var ids = new long[rows * seq];
        var positions = new long[rows * seq];
        var grown = new long[rows * total];
        for (int b = 0; b < rows; b++)
        {
            if (_rows[b] is not { } row) continue;
            if (admitted[b])
            {
                var prompt = row.Request.Prompt;
                for (int t = 0; t < prompt.Length; t++)
                {
                    int column = seq - prompt.Length + t;
                    ids[b * seq + column] = prompt[t];
                    positions[b * seq + column] = t;
                    grown[b * total + width + column] = 1;
                }
            }
            else
            {
                Array.Copy(_mask, b * width, grown, b * total, width);
                ids[b * seq + seq - 1] = row.Tokens[^1];
                positions[b * seq + seq - 1] = row.Position;
                grown[b * total + total - 1] = 1;
            }
        }
        _mask = grown;
        var scores = _batch.Run(ids, _mask, positions, seq);
        int vocab = _model.Config.VocabSize, context = _model.Config.MaxPositions, eos = _model.EosTokenId;
        for (int b = 0; b < rows; b++)
        {
            if (_rows[b] is not { } row) continue;
            row.Position = admitted[b] ? row.Request.Prompt.Length : row.Position + 1;
            int token = row.Sampler.Next(scores.Slice((b * seq + seq - 1) * vocab, vocab));
            if (token == eos)
            {
                Finish(b, row, FinishReason.Stop);
                continue;
            }
            row.Tokens.Add(token);
            row.Request.OnToken?.Invoke(token);
            if (row.Stops?.Found(row.Tokens) == true) Finish(b, row, FinishReason.Stop);
            else if (row.Tokens.Count == row.Request.Options.MaxNewTokens || row.Position + 1 >= context) Finish(b, row, FinishReason.Length);
        }
    }

    private void Finish(int b, Sequence row, FinishReason reason)
    {
        _rows[b] = null;
        Array.Clear(_mask, b * _batch.Width, _batch.Width);
        row.Request.OnFinished(row.Tokens.ToArray(), reason);
    }

    private void Grow(int rows)
    {
        _batch.Grow(rows);
        Array.Resize(ref _rows, rows);
        Array.Resize(ref _mask, rows * _batch.Width);  // new rows attend to nothing before their prompt
    }

    /// <summary>
    /// Once no sequence waits, rows that finished are dropped (when at most half the rows still decode); leading
    /// columns that every live row masks are dropped once they make up half the cache.
    /// </summary>
    private void Compact(bool refilling)
    {
        int width = _batch.Width;
        var live = Enumerable.Range(0, _rows.Length).Where(b => _rows[b] is not null).ToArray();
        var keep = !refilling && live.Length <= _rows.Length / 2 ? live : Enumerable.Range(0, _rows.Length).ToArray();
        int from = live.Length == 0 ? width : live.Min(b => Array.IndexOf(_mask, 1L, b * width, width) - b * width);
        if (live.Length > 0 && from < Math.Max(CompactAfterColumns, width / 2)) from = 0;
        if (keep.Length == _rows.Length && from == 0) return;
        _batch.Compact(keep, from);
        var kept = new long[keep.Length * (width - from)];
        for (int r = 0; r < keep.Length; r++) Array.Copy(_mask, keep[r] * width + from, kept, r * (width - from), width - from);
        _rows = keep.Select(b => _rows[b]).ToArray();
        _mask = kept;
    }

    /// <summary>A sequence decoding in a row: its request, tokens so far, the position of its newest token, its sampler.</summary>
    private sealed class Sequence(DecodeRequest request, TokenSampler sampler, InferenceModel model)
    {
        public DecodeRequest Request { get; } = request;
        public TokenSampler Sampler { get; } = sampler;
        public StopStringCheck? Stops { get; } =
            request.Options.StopStrings.Count > 0 ? new StopStringCheck(model.Tokenizer, request.Options.StopStrings) : null;
        public List<int> Tokens { get; } = [];
        public long Position { get; set; }
    }
}
