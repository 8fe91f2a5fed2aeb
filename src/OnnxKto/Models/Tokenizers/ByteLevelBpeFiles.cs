using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Reads byte-level BPE tokenizers (GPT-2, Qwen2, Llama 3, SmolLM) from <c>vocab.json</c> + <c>merges.txt</c> or from
/// the <c>model</c> and <c>pre_tokenizer</c> sections of <c>tokenizer.json</c>, and builds a
/// <see cref="BpeTokenizer"/> in byte-level mode.
/// </summary>
internal static class ByteLevelBpeFiles
{
    /// <summary>GPT-2's split, which Hugging Face's <c>ByteLevel</c> pre-tokenizer applies when <c>use_regex</c> is true.</summary>
    public static readonly Regex Gpt2Split = new(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+", RegexOptions.CultureInvariant);

    public sealed record Model(Dictionary<string, int> Vocab, List<string> Merges, List<Regex> Splits);

    public static BpeTokenizer Create(Model model, IReadOnlyDictionary<string, int> specialTokens) =>
        BpeTokenizer.Create(new BpeOptions(model.Vocab)
        {
            Merges = model.Merges,
            ByteLevel = true,
            PreTokenizer = new SplitChainPreTokenizer(specialTokens.Keys, model.Splits),
            SpecialTokens = specialTokens.Count == 0 ? null : specialTokens,
        });

    /// <summary>GPT-2-style files: <c>vocab.json</c> (token → id) and <c>merges.txt</c> (one "left right" pair a line).</summary>
    public static Model FromVocabAndMerges(string vocabPath, string mergesPath)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in JsonFields.Load(vocabPath).Properties)
            vocab[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0
                ? id
                : throw new InvalidDataException($"{vocabPath}: token '{entry.Name}' maps to {entry.Value.GetRawText()}, expected a non-negative integer id.");
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(mergesPath))
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
                continue;
            merges.Add(CheckMerge(line, $"{mergesPath} line {lineNumber}"));
        }
        return new Model(vocab, merges, [Gpt2Split]);
    }

    /// <summary>The byte-level BPE model of a <c>tokenizer.json</c>, or null when its model is something else (e.g. SentencePiece-style BPE).</summary>
    public static Model? FromTokenizerJson(JsonFields json)
    {
        var model = json.OptionalObject("model");
        var splits = new List<Regex>();
        if (model?.OptionalString("type") != "BPE" || !json.TryGet("pre_tokenizer", out var pre) || !ReadSplits(pre, json.Source, splits))
            return null;

        var vocabObject = model.OptionalObject("vocab") ?? throw new InvalidDataException($"{json.Source}: the BPE model has no 'vocab' object.");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabObject.Properties)
            vocab[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0
                ? id
                : throw vocabObject.WrongType(entry.Name, "a non-negative integer id", entry.Value);
        var merges = new List<string>();
        if (model.TryGet("merges", out var list))
        {
            int i = 0;
            foreach (var merge in list.EnumerateArray())
            {
                string where = $"{json.Source} model.merges[{i++}]";
                // Older files write "left right"; newer ones write ["left", "right"].
                merges.Add(merge.ValueKind switch
                {
                    JsonValueKind.String => CheckMerge(merge.GetString()!, where),
                    JsonValueKind.Array when merge.GetArrayLength() == 2 => CheckMerge($"{merge[0].GetString()} {merge[1].GetString()}", where),
                    _ => throw new InvalidDataException($"{where}: expected \"left right\" or [\"left\", \"right\"], found {merge.GetRawText()}."),
                });
            }
        }
        return new Model(vocab, merges, splits);
    }

    /// <summary>
    /// Collects the regex stages of a byte-level pre-tokenizer; false when it is not byte-level at all.
    /// Components that would change the text in ways this reader does not reproduce are refused.
    /// </summary>
    private static bool ReadSplits(JsonElement pre, string source, List<Regex> splits)
    {
        var parts = pre.TryGetProperty("type", out var t) && t.GetString() == "Sequence" && pre.TryGetProperty("pretokenizers", out var seq)
            ? seq.EnumerateArray().ToArray()
            : [pre];
        bool byteLevel = false;
        foreach (var part in parts)
        {
            string type = part.TryGetProperty("type", out var pt) ? pt.GetString() ?? "" : "";
            switch (type)
            {
                case "ByteLevel":
                    if (part.TryGetProperty("add_prefix_space", out var prefix) && prefix.ValueKind == JsonValueKind.True)
                        throw new NotSupportedException($"{source}: a ByteLevel pre-tokenizer with add_prefix_space true is not supported yet.");
                    if (!part.TryGetProperty("use_regex", out var useRegex) || useRegex.ValueKind != JsonValueKind.False)
                        splits.Add(Gpt2Split);
                    byteLevel = true;
                    break;
                case "Split" when part.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex)
                                  && part.GetProperty("behavior").GetString() == "Isolated"
                                  && !(part.TryGetProperty("invert", out var invert) && invert.ValueKind == JsonValueKind.True):
                    splits.Add(new Regex(regex.GetString()!, RegexOptions.CultureInvariant));
                    break;
                case "Digits":
                    bool individual = part.TryGetProperty("individual_digits", out var each) && each.ValueKind == JsonValueKind.True;
                    splits.Add(new Regex(individual ? @"\p{N}" : @"\p{N}+", RegexOptions.CultureInvariant));
                    break;
                default:
                    if (byteLevel || parts.Any(p => p.TryGetProperty("type", out var x) && x.GetString() == "ByteLevel"))
                        throw new NotSupportedException($"{source}: pre-tokenizer component {part.GetRawText()} is not supported; supported: ByteLevel, Split (Regex, Isolated), Digits.");
                    return false;
            }
        }
        return byteLevel;
    }

    private static string CheckMerge(string merge, string where) =>
        merge.Split(' ').Length == 2 ? merge : throw new InvalidDataException($"{where}: merge '{merge}' is not two tokens separated by one space.");
}
