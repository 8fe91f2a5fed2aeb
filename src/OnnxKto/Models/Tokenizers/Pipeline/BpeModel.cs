using System.Globalization;
using System.Text.Json;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// Hugging Face's BPE: a word starts as its characters (unknown ones as <c>&lt;0xNN&gt;</c> byte tokens with
/// <c>byte_fallback</c>, else the unknown token, fused when <c>fuse_unk</c>), then the adjacent pair of lowest merge
/// rank is merged (leftmost first) until none is left. <c>ignore_merges</c> (Llama 3) takes a word found whole in the
/// vocabulary as it is; <c>continuing_subword_prefix</c> marks every symbol but the first and
/// <c>end_of_word_suffix</c> the last. Dropout is refused: training data must tokenize the same way every time.
/// </summary>
internal sealed class BpeModel : WordModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly int? _unk;
    private readonly bool _fuseUnk, _byteFallback, _ignoreMerges;
    private readonly string _prefix, _suffix;

    private BpeModel(Dictionary<string, int> vocab, Dictionary<(int, int), (int, int)> merges, int? unk, bool fuseUnk, bool byteFallback,
        bool ignoreMerges, string prefix, string suffix)
    {
        (_vocab, _merges, _unk, _fuseUnk, _byteFallback, _ignoreMerges, _prefix, _suffix) =
            (vocab, merges, unk, fuseUnk, byteFallback, ignoreMerges, prefix, suffix);
    }

    public override IReadOnlyDictionary<string, int> Vocab => _vocab;

    public static new BpeModel Read(JsonFields model)
    {
        if (model.OptionalDouble("dropout") is { } dropout && dropout != 0)
            throw new NotSupportedException($"{model.Source}: BPE dropout {dropout.ToString(CultureInfo.InvariantCulture)} is not supported: it tokenizes the same text differently each time; set it to null.");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var vocabObject = model.OptionalObject("vocab") ?? throw new InvalidDataException($"{model.Source}: the BPE model has no 'vocab' object.");
        foreach (var entry in vocabObject.Properties)
            vocab[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0
                ? id
                : throw vocabObject.WrongType(entry.Name, "a non-negative integer id", entry.Value);
        string prefix = model.OptionalString("continuing_subword_prefix") ?? "", suffix = model.OptionalString("end_of_word_suffix") ?? "";
        var merges = new Dictionary<(int, int), (int, int)>();
        if (model.TryGet("merges", out var list))
        {
            int rank = 0;
            foreach (var merge in list.EnumerateArray())
            {
                string where = $"{model.Source} ['merges'][{rank}]";
                // Older files write "left right"; newer ones write ["left", "right"].
                var (left, right) = merge.ValueKind switch
                {
                    JsonValueKind.String when merge.GetString()!.Split(' ') is [var l, var r] => (l, r),
                    JsonValueKind.Array when merge.GetArrayLength() == 2 => (merge[0].GetString()!, merge[1].GetString()!),
                    _ => throw new InvalidDataException($"{where}: expected \"left right\" or [\"left\", \"right\"], found {merge.GetRawText()}."),
                };
                string merged = left + (prefix.Length > 0 && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right);
                if (!vocab.TryGetValue(left, out int a) || !vocab.TryGetValue(right, out int b) || !vocab.TryGetValue(merged, out int m))
                    throw new InvalidDataException($"{where}: merge '{left} {right}' uses or makes a token that is not in the vocabulary.");
                merges.TryAdd((a, b), (rank++, m));
            }
        }
        int? unk = model.OptionalString("unk_token") is { } unkText
            ? vocab.TryGetValue(unkText, out int u) ? u : throw new InvalidDataException($"{model.Source}: unk_token '{unkText}' is not in the vocabulary.")
            : null;
        return new BpeModel(vocab, merges, unk, model.OptionalBool("fuse_unk") ?? false, model.OptionalBool("byte_fallback") ?? false,
            model.OptionalBool("ignore_merges") ?? false, prefix, suffix);
    }

    public override void Encode(string word, List<int> ids)
    {
        if (_ignoreMerges && _vocab.TryGetValue(word, out int whole))
        {
            ids.Add(whole);
            return;
        }
        var symbols = Symbols(word);
        while (symbols.Count > 1)
        {
            int best = -1, bestRank = int.MaxValue, merged = 0;
            for (int i = 0; i + 1 < symbols.Count; i++)
                if (_merges.TryGetValue((symbols[i], symbols[i + 1]), out var m) && m.Rank < bestRank)
                    (best, bestRank, merged) = (i, m.Rank, m.Merged);
            if (best < 0) break;
            symbols[best] = merged;
            symbols.RemoveAt(best + 1);
        }
        ids.AddRange(symbols);
    }

    /// <summary>The word's starting symbols: one per character (a surrogate pair is one), with prefix and suffix.</summary>
    private List<int> Symbols(string word)
    {
        var symbols = new List<int>(word.Length);
        bool lastWasUnk = false;
        for (int i = 0; i < word.Length;)
        {
            int width = char.IsHighSurrogate(word[i]) && i + 1 < word.Length ? 2 : 1;
            string c = word.Substring(i, width);
            if (i > 0) c = _prefix + c;
            i += width;
            if (i == word.Length) c += _suffix;
            if (_vocab.TryGetValue(c, out int id))
            {
                symbols.Add(id);
                lastWasUnk = false;
            }
            else if (_byteFallback && ByteTokens(word.Substring(i - width, width), _vocab) is { } bytes)
            {
                symbols.AddRange(bytes);
                lastWasUnk = false;
            }
            else if (_unk is { } unk)
            {
                if (!(_fuseUnk && lastWasUnk)) symbols.Add(unk);
                lastWasUnk = true;
            }
            // With neither, Hugging Face drops the character.
        }
        return symbols;
    }
}
