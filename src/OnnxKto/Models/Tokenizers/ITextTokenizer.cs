namespace OnnxKto.Models.Tokenizers;

/// <summary>
/// Text to token ids and back, with the special tokens KTO data shaping needs. Special-token text such as
/// <c>&lt;|endoftext|&gt;</c> inside a string encodes to its id. No BOS is added unless the tokenizer itself adds one.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Token ids of <paramref name="text"/>.</summary>
    int[] Encode(string text);

    /// <summary>Text of <paramref name="ids"/> (special tokens included as text).</summary>
    string Decode(IReadOnlyList<int> ids);

    /// <summary>Number of ids the tokenizer can produce (base vocabulary plus added tokens).</summary>
    int VocabSize { get; }

    /// <summary>Id of the end-of-sequence token, which closes every completion, e.g. 50256.</summary>
    int EosTokenId { get; }

    /// <summary>Text of the EOS token, e.g. <c>&lt;|endoftext|&gt;</c> or <c>&lt;/s&gt;</c>.</summary>
    string EosToken { get; }

    /// <summary>Id of the beginning-of-sequence token, e.g. 1 for Llama 2; null when the tokenizer has none.</summary>
    int? BosTokenId { get; }

    /// <summary>Id used to pad batches (the EOS id when the tokenizer defines no pad token).</summary>
    int PadTokenId { get; }
}
