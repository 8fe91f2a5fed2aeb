using Microsoft.ML.Tokenizers;
using OnnxKto.Models.Tokenizers.Pipeline;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Picks the tokenizer files of a folder and resolves EOS, BOS and pad. Preference, as in transformers:
/// <c>tokenizer.json</c>, then <c>vocab.json</c> + <c>merges.txt</c>, then SentencePiece <c>tokenizer.model</c> (BPE
/// through Microsoft.ML.Tokenizers, Unigram through <see cref="SentencePieceUnigramFile"/>).
/// </summary>
internal static class TokenizerFolder
{
    private const string LookedFor = "tokenizer.json, vocab.json + merges.txt, tokenizer.model (SentencePiece)";

    public static ModelTokenizer Load(string folder)
    {
        string root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Tokenizer folder '{root}' does not exist; pass a checkpoint folder or '{ModelTokenizer.PresetPrefix}gpt2'.");
        string tokenizerJsonPath = Path.Combine(root, "tokenizer.json");
        var tokenizerJson = File.Exists(tokenizerJsonPath) ? JsonFields.Load(tokenizerJsonPath) : null;
        var settings = TokenizerSettings.Read(root, tokenizerJson);

        if (tokenizerJson is not null)
        {
            var pipeline = TokenizerJsonPipeline.Read(tokenizerJson);
            var vocab = new Dictionary<string, int>(pipeline.Vocab, StringComparer.Ordinal);
            foreach (var token in pipeline.AddedTokens) vocab[token.Content] = token.Id;
            return Resolve(root, settings, vocab, pipeline.WithSpecialTokens, modelDefaults: null);
        }
        if (VocabAndMerges(root) is { } bpe)
            return Resolve(root, settings, bpe.Vocab, specials => new MlTokenizerCodec(ByteLevelBpeFiles.Create(bpe, specials)), modelDefaults: null);

        string sentencePiecePath = Path.Combine(root, "tokenizer.model");
        if (File.Exists(sentencePiecePath))
        {
            var model = SentencePiece(sentencePiecePath, null);
            var vocab = model.Vocabulary.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (SentencePieceUnigramFile.IsUnigram(sentencePiecePath))
                return Resolve(root, settings, vocab, SentencePieceUnigramFile.Load(sentencePiecePath).WithSpecialTokens, model);
            return Resolve(root, settings, vocab, specials => new MlTokenizerCodec(SentencePiece(sentencePiecePath, specials)), model);
        }
        throw new FileNotFoundException($"Tokenizer folder '{root}' holds no tokenizer files; looked for {LookedFor}.", tokenizerJsonPath);
    }

    private static ByteLevelBpeFiles.Model? VocabAndMerges(string root)
    {
        string vocab = Path.Combine(root, "vocab.json"), merges = Path.Combine(root, "merges.txt");
        return File.Exists(vocab) && File.Exists(merges) ? ByteLevelBpeFiles.FromVocabAndMerges(vocab, merges) : null;
    }

    private static SentencePieceTokenizer SentencePiece(string path, IReadOnlyDictionary<string, int>? specials)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false, specialTokens: specials);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Google.Protobuf.InvalidProtocolBufferException)
        {
            throw new InvalidDataException($"{path}: not a SentencePiece model Microsoft.ML.Tokenizers can read ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Resolves EOS, BOS and pad to ids (files first, then the SentencePiece model's own ids, then GPT-2's
    /// <c>&lt;|endoftext|&gt;</c>), makes them special so their text encodes to one id, and builds the tokenizer.
    /// </summary>
    private static ModelTokenizer Resolve(string root, TokenizerSettings settings, Dictionary<string, int> vocab,
        Func<IReadOnlyDictionary<string, int>, ITokenCodec> build, SentencePieceTokenizer? modelDefaults)
    {
        var specials = new Dictionary<string, int>(settings.AddedTokens, StringComparer.Ordinal);
        int? IdOf(string? text, string what)
        {
            if (text is null)
                return null;
            if (specials.TryGetValue(text, out int id) || vocab.TryGetValue(text, out id))
                return specials[text] = id;
            throw new InvalidDataException($"Tokenizer folder '{root}': {what} '{text}' is neither an added token nor in the vocabulary; check {string.Join(", ", TokenizerSettings.Files)}.");
        }

        int? eos = IdOf(settings.EosToken, "eos_token") ?? settings.EosId ?? modelDefaults?.EndOfSentenceId
                   ?? (vocab.ContainsKey("<|endoftext|>") ? IdOf("<|endoftext|>", "eos_token") : null);
        if (eos is null)
            throw new InvalidDataException($"Tokenizer folder '{root}' names no EOS token; looked in {string.Join(", ", TokenizerSettings.Files)} for eos_token / eos_token_id.");
        string eosText = TextOf(eos.Value, specials, vocab)
            ?? throw new InvalidDataException($"Tokenizer folder '{root}': EOS id {eos} is not in the vocabulary.");
        specials[eosText] = eos.Value;

        int? bos = IdOf(settings.BosToken, "bos_token") ?? settings.BosId ?? modelDefaults?.BeginningOfSentenceId;
        if (bos is { } b && TextOf(b, specials, vocab) is { } bosText)
            specials[bosText] = b;
        if (settings.AddBos && bos is null)
            throw new InvalidDataException($"Tokenizer folder '{root}': add_bos_token is true but no bos_token is defined.");
        int pad = IdOf(settings.PadToken, "pad_token") ?? settings.PadId ?? eos.Value;

        int vocabSize = vocab.Values.Concat(specials.Values).Max() + 1;
        return new ModelTokenizer(build(specials), vocabSize, eos.Value, eosText, bos, pad, settings.AddBos);
    }

    private static string? TextOf(int id, Dictionary<string, int> specials, Dictionary<string, int> vocab) =>
        specials.FirstOrDefault(kv => kv.Value == id).Key ?? vocab.FirstOrDefault(kv => kv.Value == id).Key;
}
