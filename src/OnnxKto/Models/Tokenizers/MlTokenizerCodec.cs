using Microsoft.ML.Tokenizers;

namespace OnnxKto.Models.Tokenizers;

/// <summary>A Microsoft.ML.Tokenizers tokenizer (BPE from vocab.json + merges.txt, SentencePiece, GPT-2's tiktoken) as a codec.</summary>
internal sealed class MlTokenizerCodec(Tokenizer inner) : ITokenCodec
{
    // SentencePiece's own BOS/EOS flags stay off: ModelTokenizer adds BOS, uniformly for every backend.
    public IReadOnlyList<int> Encode(string text) => inner is SentencePieceTokenizer sentencePiece
        ? sentencePiece.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false)
        : inner.EncodeToIds(text);

    public string Decode(IReadOnlyList<int> ids) =>
        (inner is SentencePieceTokenizer sentencePiece ? sentencePiece.Decode(ids, considerSpecialTokens: true) : inner.Decode(ids)) ?? "";
}
