using System.Text.Json;
using OnnxKto.Models.Tokenizers.Pipeline;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Reads byte-level BPE tokenizers (GPT-2 style) from <c>vocab.json</c> + <c>merges.txt</c> and builds a
/// <see cref="BpeTokenizer"/> in byte-level mode.
/// </summary>
internal static class ByteLevelBpeFiles
{
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
        return new Model(vocab, merges, [ByteLevelSplitter.Gpt2Pattern]);
    }

    private static string CheckMerge(string merge, string where) =>
        merge.Split(' ').Length == 2 ? merge : throw new InvalidDataException($"{where}: merge '{merge}' is not two tokens separated by one space.");
}
