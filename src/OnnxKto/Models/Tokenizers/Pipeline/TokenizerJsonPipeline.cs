namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// A <c>tokenizer.json</c> run as Hugging Face's <c>tokenizers</c> runs it: added tokens cut out of the raw text
/// (those not <c>normalized</c>), each remaining piece normalized, cut at the <c>normalized</c> added tokens,
/// pre-tokenized into words, and each word encoded by the model. Decoding maps ids to token texts (added tokens'
/// content included) and runs the decoder, or joins them with spaces when there is none. The post-processor is not
/// applied here: its leading special token is the tokenizer's BOS, which <see cref="ModelTokenizer"/> adds.
/// </summary>
internal sealed class TokenizerJsonPipeline : ITokenCodec
{
    private readonly AddedTokenMatcher _raw, _normalized;
    private readonly TextNormalizer? _normalizer;
    private readonly WordSplitter? _splitter;
    private readonly WordModel _model;
    private readonly TokenDecoder? _decoder;
    private readonly Dictionary<int, string> _texts;

    internal TokenizerJsonPipeline(IReadOnlyList<AddedToken> added, TextNormalizer? normalizer, WordSplitter? splitter, WordModel model, TokenDecoder? decoder)
    {
        _raw = new AddedTokenMatcher(added.Where(t => !t.Normalized));
        _normalized = new AddedTokenMatcher(added.Where(t => t.Normalized));
        (_normalizer, _splitter, _model, _decoder) = (normalizer, splitter, model, decoder);
        _texts = model.Vocab.ToDictionary(kv => kv.Value, kv => kv.Key);
        foreach (var token in added) _texts[token.Id] = token.Content;
        AddedTokens = added;
    }

    /// <summary>The model's vocabulary (token text → id), added tokens not included.</summary>
    public IReadOnlyDictionary<string, int> Vocab => _model.Vocab;

    /// <summary>The file's added tokens.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>
    /// This pipeline with <paramref name="specials"/> (EOS, BOS, pad and the tokenizer_config's added tokens) that
    /// the file does not list as added tokens added as special ones, as transformers adds them when it loads a folder.
    /// </summary>
    public TokenizerJsonPipeline WithSpecialTokens(IReadOnlyDictionary<string, int> specials)
    {
        var known = AddedTokens.Select(t => t.Content).ToHashSet(StringComparer.Ordinal);
        var missing = specials.Where(s => !known.Contains(s.Key))
            .Select(s => new AddedToken(s.Value, s.Key, Special: true, LStrip: false, RStrip: false, Normalized: false, SingleWord: false)).ToList();
        return missing.Count == 0 ? this : new TokenizerJsonPipeline([.. AddedTokens, .. missing], _normalizer, _splitter, _model, _decoder);
    }

    /// <summary>Reads the pipeline of a <c>tokenizer.json</c>.</summary>
    /// <exception cref="NotSupportedException">A component or setting this reader does not run, named with its place in the file.</exception>
    /// <exception cref="InvalidDataException">A malformed component.</exception>
    public static TokenizerJsonPipeline Read(JsonFields json)
    {
        var model = json.OptionalObject("model") ?? throw new InvalidDataException($"{json.Source}: no 'model' object.");
        if (json.OptionalObject("post_processor") is { } post) PostProcessor.LeadingToken(post);
        return new TokenizerJsonPipeline(AddedToken.ReadAll(json),
            json.OptionalObject("normalizer") is { } n ? TextNormalizer.Read(n) : null,
            json.OptionalObject("pre_tokenizer") is { } p ? WordSplitter.Read(p) : null,
            WordModel.Read(model),
            json.OptionalObject("decoder") is { } d ? TokenDecoder.Read(d) : null);
    }

    public IReadOnlyList<int> Encode(string text)
    {
        var ids = new List<int>();
        foreach (var (raw, rawStart, rawId) in _raw.Split(text))
        {
            if (rawId is { } id)
            {
                ids.Add(id);
                continue;
            }
            string normalized = _normalizer?.Normalize(raw) ?? raw;
            foreach (var (piece, start, pieceId) in _normalized.Split(normalized))
            {
                if (pieceId is { } added) ids.Add(added);
                else
                    foreach (var word in _splitter?.Split(piece, atStart: rawStart == 0 && start == 0) ?? [piece])
                        _model.Encode(word, ids);
            }
        }
        return ids;
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        var tokens = ids.Select(id => _texts.TryGetValue(id, out var t) ? t : throw new ArgumentOutOfRangeException(nameof(ids), $"Token id {id} is not in the vocabulary.")).ToList();
        return _decoder is null ? string.Join(" ", tokens) : string.Concat(_decoder.Decode(tokens));
    }
}
