using OnnxKto.Graphs;

namespace OnnxKto.Models.Scoring;

/// <summary>Per-sequence statistics over completion tokens, the quantities every KTO number rests on.</summary>
/// <param name="SequenceLogps">Σ over completion tokens of log p(token | prefix): (batch). A sum, not a mean (TRL).</param>
/// <param name="LogitsSum">Σ over completion tokens of the mean logit over the vocabulary: (batch), for the logits/* metrics.</param>
/// <param name="TokenCount">Completion tokens scored per sequence: (batch).</param>
/// <remarks>
/// The completion mask is 1 on completion tokens (EOS included) and 0 on prompt and padding. Token t is scored by
/// the logits at t−1, so ids and mask shift left by one. log p = logit[target] − logsumexp(logits), without
/// materialising log-softmax.
/// </remarks>
internal sealed record CompletionStatistics(Value SequenceLogps, Value LogitsSum, Value TokenCount)
{
    /// <summary>From full logits (batch, seq, vocab), e.g. an exported model's output.</summary>
    public static CompletionStatistics FromLogits(GraphBuilder b, Value logits, Value ids, Value completionMask)
    {
        using var _ = b.Scope("logps");
        var (targets, mask) = (ShiftLeft(b, ids), ShiftLeft(b, completionMask));
        long vocab = logits.Shape![2].Value ?? -1;
        var rows = b.AssumeShape(b.Reshape(logits, -1, vocab), new Shape("rows", logits.Shape[2]));
        var tokenLogps = TokenLogps(b, rows, b.AssumeShape(b.Reshape(targets, -1), new Shape("rows")));
        var meanLogits = b.ReduceMean(rows, [-1], keepDims: false);
        return Aggregate(b, b.Reshape(tokenLogps, b.ShapeOf(targets)), b.Reshape(meanLogits, b.ShapeOf(targets)), mask, logits.Type);
    }

    /// <summary>
    /// From a model's final hidden rows (batch·seq, E) and its head weight (V, E): the head runs only on the K rows that
    /// score a completion token, so prompt and padding positions cost no vocabulary-sized work; and it runs on them in
    /// <paramref name="chunks"/> pieces one after another, each a <see cref="HeadChunks"/> segment, so with gradient
    /// checkpointing of those segments only one piece's (rows, V) tensors are alive at a time.
    /// </summary>
    /// <param name="b">Builder of the graph.</param>
    /// <param name="hidden">Final hidden rows (batch·seq, E).</param>
    /// <param name="headWeight">The output head (V, E): logits = hidden·Wᵀ.</param>
    /// <param name="ids">Token ids (batch, seq).</param>
    /// <param name="completionMask">1 on completion tokens (batch, seq).</param>
    /// <param name="chunks">
    /// Pieces the K scored rows are split into, fixed when the graph is built: piece c has ⌊(K + c) / chunks⌋ rows, so
    /// none exceeds ⌈K / chunks⌉ (e.g. batch·max_length / 1024 pieces keep each at 1024 rows or fewer).
    /// </param>
    /// <param name="softcap">
    /// Final logit soft-capping c (Gemma 2): logits become c·tanh(logit / c) before the log-softmax, and the mean logit is
    /// taken over the capped logits inside each piece; null for none.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunks"/> is below 1.</exception>
    public static CompletionStatistics FromHiddenStates(GraphBuilder b, Value hidden, Value headWeight, Value ids, Value completionMask,
        int chunks = 1, double? softcap = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        using var _ = b.Scope("logps");
        var (targets, mask) = (ShiftLeft(b, ids), ShiftLeft(b, completionMask));
        var flatMask = b.Reshape(mask, -1);                                                        // (N)
        var scored = b.AssumeShape(b.Squeeze(b.Op("NonZero", [flatMask]), 0), new Shape("scored")); // (K) row indices
        var (head, keep) = chunks == 1 ? (scored, null) : PadToPieces(b, scored, chunks);
        var rows = b.Gather(hidden, head);                                                         // (K′, E)
        var rowTargets = b.Gather(b.Reshape(targets, -1), head);                                   // (K′)
        // mean_v(h·W_vᵀ) = h·mean_v(W_v): the mean logit needs no (K, V) tensor.
        Value tokenLogps, meanLogits;
        CheckpointSegment[] pieces;
        if (chunks == 1)
        {
            var whole = HeadPiece(b, rows, headWeight, rowTargets, softcap);
            (tokenLogps, pieces) = (whole.Output, [whole]);
        }
        else (tokenLogps, pieces) = ChunkedHead(b, rows, headWeight, rowTargets, chunks, softcap);
        if (softcap is null)
            meanLogits = b.MatMul(rows, b.ReduceMean(headWeight, [0], keepDims: false));          // (K′)
        else
        {
            // Capped logits are not linear in h: each piece returned (log p, mean logit) rows (K′, 2).
            var columns = b.Ops("Split", 2, [tokenLogps], ("axis", 1L), ("num_outputs", 2L));
            (tokenLogps, meanLogits) = (b.Squeeze(columns[0], 1), b.Squeeze(columns[1], 1));
        }
        if (keep is not null)
            (tokenLogps, meanLogits) = (b.Gather(tokenLogps, keep), b.Gather(meanLogits, keep));   // (K)
        // Back to (batch, seq) with zeros at unscored positions.
        var index = b.Unsqueeze(scored, -1);
        var zeros = b.Op("ConstantOfShape", [b.ShapeOf(flatMask)], ("value", TensorData.Scalar(hidden.Type, 0, [1])));  // (N)
        Value Spread(Value perRow) => b.Reshape(b.Op("ScatterND", [zeros, index, perRow]), b.ShapeOf(targets));
        return Aggregate(b, Spread(tokenLogps), Spread(meanLogits), mask, hidden.Type) with { HeadChunks = pieces };
    }

    /// <summary>
    /// The head's pieces: inputs (rows, E) → token log-probs (rows), in order. Differentiating with these as checkpoint
    /// segments recomputes each piece's logits in the backward pass instead of keeping (K, V) tensors from the forward.
    /// </summary>
    public IReadOnlyList<CheckpointSegment> HeadChunks { get; init; } = [];

    /// <summary>
    /// The scored row indices padded with row 0 to at least <paramref name="chunks"/> rows (K′ = max(K, n)), and the
    /// positions 0…K−1 to keep of the results. No piece may be empty: ONNX Runtime mis-shapes GatherElements (and some
    /// reductions) of empty tensors. The padding's log-probs are dropped, so it gets no gradient.
    /// </summary>
    private static (Value Padded, Value Keep) PadToPieces(GraphBuilder b, Value scored, int chunks)
    {
        var i64 = DataType.Int64;
        var count = b.ShapeOf(scored);                                                             // [K]
        var missing = b.Op("Max", [b.Sub(b.Ints(chunks), count), b.Ints(0)]);                     // [max(n − K, 0)]
        var padding = b.Op("ConstantOfShape", [missing], ("value", TensorData.Scalar(i64, 0, [1])));
        var keep = b.Op("Range", [b.Scalar(0, i64), b.Gather(count, b.Scalar(0, i64)), b.Scalar(1, i64)]);
        return (b.Concat(0, scored, padding), b.AssumeShape(keep, scored.Shape!));
    }

    /// <summary>Splits the rows into pieces run one after another; returns the token log-probs (K′) and the pieces.</summary>
    private static (Value TokenLogps, CheckpointSegment[] Pieces) ChunkedHead(GraphBuilder b, Value rows, Value headWeight,
        Value rowTargets, int chunks, double? softcap)
    {
        var i64 = DataType.Int64;
        // sizes_c = ⌊(K′ + c) / n⌋: n nearly equal pieces adding up to K′, none empty since K′ ≥ n.
        var sizes = b.Div(b.Add(b.Op("Shape", [rows], ("start", 0L), ("end", 1L)), b.Ints(Enumerable.Range(0, chunks).Select(c => (long)c).ToArray())), b.Scalar(chunks, i64));
        var rowPieces = b.Ops("Split", chunks, [rows, sizes], ("axis", 0L));
        var targetPieces = b.Ops("Split", chunks, [rowTargets, sizes], ("axis", 0L));
        var pieces = new CheckpointSegment[chunks];
        for (int c = 0; c < chunks; c++)
        {
            var input = rowPieces[c];
            if (c > 0)
            {
                // x′ = Expand(x, []) is x, available only once the previous piece's log-probs are: the pieces run one
                // after another, and each piece's (rows, V) tensors die before the next one's logits are made.
                var after = b.Op("Slice", [b.ShapeOf(pieces[c - 1].Output), b.Ints(0), b.Ints(0)]);
                input = b.AssumeShape(b.Expand(input, after), input.Shape!);
            }
            pieces[c] = HeadPiece(b, input, headWeight, targetPieces[c], softcap);
        }
        return (b.Concat(0, pieces.Select(p => p.Output).ToArray()), pieces);
    }

    /// <summary>
    /// One piece of the head: rows (R, E) → logits (R, V) → log p of each row's target (R); with a soft-cap c the logits
    /// are c·tanh(logit / c) and the piece returns (log p, mean logit) as (R, 2).
    /// </summary>
    private static CheckpointSegment HeadPiece(GraphBuilder b, Value rows, Value headWeight, Value targets, double? softcap)
    {
        var logits = b.Op("Gemm", [rows, headWeight], ("transB", 1L));                             // (R, V)
        if (softcap is not { } cap)
            return new CheckpointSegment([rows], TokenLogps(b, logits, targets));
        logits = b.Mul(b.Op("Tanh", [b.Mul(logits, b.ScalarLike(1 / cap, logits))]), b.ScalarLike(cap, logits));
        var mean = b.ReduceMean(logits, [-1], keepDims: true);                                    // (R, 1)
        return new CheckpointSegment([rows], b.Concat(1, b.Unsqueeze(TokenLogps(b, logits, targets), -1), mean));
    }

    /// <summary>log p of each row's target, for logits rows (R, V) and targets (R).</summary>
    /// <remarks>
    /// logsumexp = m + log Σ exp(x − m) with m the row maximum, detached: its gradient is exactly zero, and the
    /// composed form runs about twice as fast as ORT's ReduceLogSumExp kernel on vocabulary-sized rows.
    /// </remarks>
    private static Value TokenLogps(GraphBuilder b, Value logits, Value targets)
    {
        var picked = b.Squeeze(b.Op("GatherElements", [logits, b.Unsqueeze(targets, -1)], ("axis", -1L)), -1);
        var max = b.Detach(b.Op("ReduceMax", [logits, b.Ints(-1)], ("keepdims", 1L)));                     // (R, 1)
        var normaliser = b.Add(b.Squeeze(max, -1), b.Log(b.ReduceSum(b.Exp(b.Sub(logits, max)), [-1], keepDims: false)));
        return b.Sub(picked, normaliser);
    }

    private static CompletionStatistics Aggregate(GraphBuilder b, Value tokenLogps, Value meanLogits, Value mask, DataType type)
    {
        var weights = b.Cast(mask, type);                                                          // (B, T)
        return new CompletionStatistics(
            b.ReduceSum(b.Mul(tokenLogps, weights), [1], keepDims: false),
            b.ReduceSum(b.Mul(meanLogits, weights), [1], keepDims: false),
            b.ReduceSum(weights, [1], keepDims: false));
    }

    /// <summary>x[:, 1:] padded with one zero column at the end: (B, T) → (B, T).</summary>
    private static Value ShiftLeft(GraphBuilder b, Value x)
    {
        var tail = b.Op("Slice", [x, b.Ints(1), b.Ints(long.MaxValue), b.Ints(1)]);
        return b.AssumeShape(b.Op("Pad", [tail, b.Ints(0, 0, 0, 1)]), x.Shape!);
    }
}
