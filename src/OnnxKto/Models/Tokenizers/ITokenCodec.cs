namespace OnnxKto.Models.Tokenizers;

/// <summary>The encoder behind a <see cref="ModelTokenizer"/>: text to ids and back, no BOS added.</summary>
internal interface ITokenCodec
{
    /// <summary>Ids of <paramref name="text"/>, added and special tokens in it matched whole.</summary>
    IReadOnlyList<int> Encode(string text);

    /// <summary>Text of <paramref name="ids"/>, special tokens included.</summary>
    string Decode(IReadOnlyList<int> ids);
}
