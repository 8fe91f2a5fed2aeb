using OnnxKto.Data;
using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Scoring;
using OnnxKto.Runtime;

namespace OnnxKto.Generation;

/// <summary>
/// Sequence log-probabilities of completions under a model, as the KTO loss sees them: the sum over completion tokens
/// (EOS included) of log p(token | prefix), prompt and padding masked. The model's logits come from
/// <see cref="InferenceModel"/> (empty cache); the sum from the training graphs' <see cref="CompletionStatistics"/>.
/// </summary>
public sealed class CompletionScorer : IDisposable
{
    private const string Logits = "logits", Ids = "input_ids", CompletionMask = "completion_mask", Logps = "logps";

    private readonly InferenceModel _model;
    private readonly OnnxSession _statistics;

    /// <summary>A scorer over <paramref name="model"/>, which it borrows: disposing the scorer leaves the model open.</summary>
    public CompletionScorer(InferenceModel model)
    {
        _model = model;
        var g = new Graph("completion_logps");
        var b = new GraphBuilder(g);
        var logits = g.AddInput(Logits, DataType.Float, new Shape("batch", "seq", model.Config.VocabSize));
        var ids = g.AddInput(Ids, DataType.Int64, new Shape("batch", "seq"));
        var completion = g.AddInput(CompletionMask, DataType.Int64, new Shape("batch", "seq"));
        b.Output(CompletionStatistics.FromLogits(b, logits, ids, completion).SequenceLogps, Logps);
        _statistics = new OnnxSession(g);
    }

    /// <summary>Scores <paramref name="examples"/> in right-padded batches of <paramref name="batchSize"/>.</summary>
    /// <returns>One log-probability per example, in order.</returns>
    public double[] Score(IReadOnlyList<TokenizedExample> examples, int batchSize = 4)
    {
        var scores = new List<double>(examples.Count);
        foreach (var chunk in examples.Chunk(batchSize))
        {
            int batch = chunk.Length, width = chunk.Max(e => e.PromptIds.Length + e.CompletionIds.Length);
            if (width > _model.Config.MaxPositions)
                throw new UserError($"An example has {width} tokens, more than the context length {_model.Config.MaxPositions} of {_model.Source}; set --max-length.");
            var ids = new long[batch * width];
            var mask = new long[batch * width];
            var completion = new long[batch * width];
            for (int r = 0; r < batch; r++)
            {
                var e = chunk[r];
                for (int t = 0; t < e.PromptIds.Length + e.CompletionIds.Length; t++)
                {
                    bool isCompletion = t >= e.PromptIds.Length;
                    ids[r * width + t] = isCompletion ? e.CompletionIds[t - e.PromptIds.Length] : e.PromptIds[t];
                    mask[r * width + t] = 1;
                    completion[r * width + t] = isCompletion ? 1 : 0;
                }
            }
            var (logits, _) = _model.Step(ids, mask, InferenceModel.PositionsFromMask(mask, batch), batch, null);
            var result = _statistics.Run(new Dictionary<string, TensorData>
            {
                [Logits] = logits,
                [Ids] = TensorData.FromLongs([batch, width], ids),
                [CompletionMask] = TensorData.FromLongs([batch, width], completion),
            });
            scores.AddRange(result[Logps].ToFloats().Select(v => (double)v));
        }
        return scores.ToArray();
    }

    /// <summary>Releases the scorer's own session (not the model's).</summary>
    public void Dispose() => _statistics.Dispose();
}
