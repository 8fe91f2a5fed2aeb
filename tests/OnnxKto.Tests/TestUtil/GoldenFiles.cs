namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Golden tokenizer files made once by independent programs (Google's sentencepiece) and committed under
/// <c>tests/OnnxKto.Tests/Models/Tokenizers/Golden/</c>; each generator's header says how to regenerate them.
/// </summary>
internal static class GoldenFiles
{
    public static string Folder { get; } = Path.Combine(RepoPaths.Root, "tests", "OnnxKto.Tests", "Models", "Tokenizers", "Golden");

    /// <summary>A 400-piece SentencePiece BPE model with byte fallback, trained by <c>make_sentencepiece_goldens.py</c>.</summary>
    public static string SentencePieceBpe => Path.Combine(Folder, "sp-bpe.model");

    /// <summary>A 400-piece SentencePiece Unigram model with byte fallback, trained by <c>make_sentencepiece_goldens.py</c>.</summary>
    public static string SentencePieceUnigram => Path.Combine(Folder, "sp-unigram.model");

    /// <summary>sentencepiece's ids and decodings for both models.</summary>
    public static string SentencePieceIds => Path.Combine(Folder, "sentencepiece-goldens.json");
}
