using System.Text.Json;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// Hugging Face's Unigram: the segmentation of the word into vocabulary pieces with the highest total score (Viterbi),
/// a character no piece starts with becoming the unknown piece (score: the lowest score − 10), consecutive unknowns
/// fused; with <c>byte_fallback</c> an unknown run becomes its <c>&lt;0xNN&gt;</c> byte tokens.
/// </summary>
internal sealed class UnigramModel : WordModel
{
    private const double UnknownPenalty = 10.0;

    private readonly Dictionary<string, int> _vocab, _matchable;
    private readonly double[] _scores;
    private readonly int _unk, _maxPieceLength;
    private readonly bool _byteFallback;
    private readonly double _unkScore;

    /// <param name="vocab">Every piece and its id.</param>
    /// <param name="scores">Each id's log-probability.</param>
    /// <param name="unk">The unknown piece's id.</param>
    /// <param name="byteFallback">Unknown text as <c>&lt;0xNN&gt;</c> byte tokens.</param>
    /// <param name="matchable">The ids that may match text (sentencepiece leaves control, unknown and byte pieces out); null for all, as Hugging Face does.</param>
    public UnigramModel(Dictionary<string, int> vocab, double[] scores, int unk, bool byteFallback, Func<int, bool>? matchable = null)
    {
        (_vocab, _scores, _unk, _byteFallback) = (vocab, scores, unk, byteFallback);
        _matchable = matchable is null ? vocab : vocab.Where(kv => matchable(kv.Value)).ToDictionary(StringComparer.Ordinal);
        _maxPieceLength = _matchable.Keys.Max(k => k.Length);
        _unkScore = scores.Min() - UnknownPenalty;
    }

    public override IReadOnlyDictionary<string, int> Vocab => _vocab;

    public static new UnigramModel Read(JsonFields model)
    {
        if (!model.TryGet("vocab", out var list) || list.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{model.Source}: the Unigram model needs 'vocab', a list of [piece, score].");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var scores = new List<double>();
        foreach (var entry in list.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.Number)
                throw new InvalidDataException($"{model.Source} ['vocab'][{scores.Count}]: expected [piece, score], found {entry.GetRawText()}.");
            vocab.TryAdd(entry[0].GetString()!, scores.Count);
            scores.Add(entry[1].GetDouble());
        }
        int unk = model.OptionalInt("unk_id") ?? throw new NotSupportedException($"{model.Source}: a Unigram model without unk_id is not supported.");
        if (unk < 0 || unk >= scores.Count) throw new InvalidDataException($"{model.Source}: unk_id {unk} is outside the vocabulary of {scores.Count}.");
        return new UnigramModel(vocab, [.. scores], unk, model.OptionalBool("byte_fallback") ?? false);
    }

    public override void Encode(string word, List<int> ids)
    {
        if (word.Length == 0) return;
        int n = word.Length;
        // best[e]: highest score of a segmentation of word[..e]; from[e]: where its last piece starts; piece[e]: its id (−1: unknown).
        var best = new double[n + 1];
        var from = new int[n + 1];
        var piece = new int[n + 1];
        Array.Fill(best, double.NegativeInfinity);
        best[0] = 0;
        for (int start = 0; start < n; start = Next(word, start))
        {
            if (double.IsNegativeInfinity(best[start])) continue;
            bool single = false;
            for (int end = Next(word, start); end <= n && end - start <= _maxPieceLength; end = Next(word, end))
            {
                if (_matchable.TryGetValue(word[start..end], out int id))
                {
                    single |= end == Next(word, start);
                    Relax(best, from, piece, start, end, id, _scores[id]);
                }
                if (end == n) break;
            }
            if (!single) Relax(best, from, piece, start, Next(word, start), -1, _unkScore);
        }
        var path = new List<(int Start, int End, int Id)>();
        for (int end = n; end > 0; end = from[end]) path.Add((from[end], end, piece[end]));
        path.Reverse();
        for (int i = 0; i < path.Count; i++)
        {
            if (path[i].Id >= 0)
            {
                ids.Add(path[i].Id);
                continue;
            }
            int runStart = path[i].Start;
            while (i + 1 < path.Count && path[i + 1].Id < 0) i++;
            string unknown = word[runStart..path[i].End];
            if (_matchable.TryGetValue(unknown, out int known)) ids.Add(known);
            else if (_byteFallback && ByteTokens(unknown, _vocab) is { } bytes) ids.AddRange(bytes);
            else ids.Add(_unk);
        }
    }

    private static void Relax(double[] best, int[] from, int[] piece, int start, int end, int id, double score)
    {
        if (best[start] + score > best[end])
            (best[end], from[end], piece[end]) = (best[start] + score, start, id);
    }

    private static int Next(string word, int at) => at + (char.IsHighSurrogate(word[at]) && at + 1 < word.Length ? 2 : 1);
}
