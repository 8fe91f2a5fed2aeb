using System.Text.RegularExpressions;
using Google.Protobuf;

namespace OnnxKto.Models.Tokenizers.Pipeline;

/// <summary>
/// A SentencePiece Unigram <c>tokenizer.model</c> as a pipeline of the same components a <c>tokenizer.json</c> uses,
/// set up as sentencepiece runs it: spaces as ▁ with the dummy prefix in front, words cut before each ▁, the Viterbi
/// segmentation over normal and user-defined pieces, byte fallback. (Microsoft.ML.Tokenizers 3.0 gives wrong byte
/// fallback ids for Unigram models; its BPE reader is right and stays in use.) The file is read field by field with
/// the numbers of sentencepiece_model.proto.
/// </summary>
internal static class SentencePieceUnigramFile
{
    private const int Unigram = 1, Normal = 1, Unknown = 2, UserDefined = 4;

    /// <summary>True when the model at <paramref name="path"/> is a Unigram model.</summary>
    public static bool IsUnigram(string path) => Read(path).ModelType == Unigram;

    /// <exception cref="NotSupportedException">A normalization rule other than identity, or whitespace as a suffix.</exception>
    public static TokenizerJsonPipeline Load(string path)
    {
        var m = Read(path);
        if (m.Charsmap)
            throw new NotSupportedException($"{path}: SentencePiece normalization rule '{m.NormalizerName}' (a precompiled character map) is not supported; only 'identity' is.");
        if (m.WhitespaceAsSuffix)
            throw new NotSupportedException($"{path}: treat_whitespace_as_suffix is not supported.");
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < m.Pieces.Count; i++) vocab.TryAdd(m.Pieces[i].Piece, i);
        int unk = m.Pieces.FindIndex(p => p.Type == Unknown);
        var model = new UnigramModel(vocab, m.Pieces.Select(p => (double)p.Score).ToArray(), unk, m.ByteFallback,
            id => m.Pieces[id].Type is Normal or UserDefined);
        var space = new Regex(" ", RegexOptions.CultureInvariant);
        var normalizers = new List<TextNormalizer>();
        if (m.RemoveExtraWhitespaces) normalizers.AddRange([new StripNormalizer(true, true), new ReplaceNormalizer(new Regex(" {2,}", RegexOptions.CultureInvariant), " ")]);
        if (m.AddDummyPrefix) normalizers.Add(new PrependNormalizer(" "));
        normalizers.Add(new ReplaceNormalizer(space, "▁"));
        var decoders = new List<TokenDecoder> { new ReplaceDecoder(new Regex("▁", RegexOptions.CultureInvariant), " "), new ByteFallbackDecoder(replaceInvalidOnly: true), new FuseDecoder() };
        if (m.AddDummyPrefix) decoders.Add(new StripDecoder(' ', 1, 0));
        var added = m.Pieces.Select((p, id) => (p, id)).Where(x => x.p.Type == UserDefined)
            .Select(x => new AddedToken(x.id, x.p.Piece, Special: false, LStrip: false, RStrip: false, Normalized: false, SingleWord: false)).ToList();
        var split = m.SplitByWhitespace ? new CharClassSplitter(c => c == '▁', SplitBehavior.MergedWithNext) : null;
        return new TokenizerJsonPipeline(added, new SequenceNormalizer([.. normalizers]), split, model, new SequenceDecoder([.. decoders]));
    }

    private sealed record ModelFile(List<(string Piece, float Score, int Type)> Pieces)
    {
        public int ModelType { get; set; } = Unigram;
        public bool ByteFallback { get; set; }
        public bool SplitByWhitespace { get; set; } = true;
        public bool WhitespaceAsSuffix { get; set; }
        public string NormalizerName { get; set; } = "";
        public bool Charsmap { get; set; }
        public bool AddDummyPrefix { get; set; } = true;
        public bool RemoveExtraWhitespaces { get; set; } = true;
    }

    private static ModelFile Read(string path)
    {
        try
        {
            var input = new CodedInputStream(File.ReadAllBytes(path));
            var file = new ModelFile([]);
            while (input.ReadTag() is var tag and not 0)
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: file.Pieces.Add(ReadPiece(new CodedInputStream(input.ReadBytes().ToByteArray()))); break;
                    case 2: ReadTrainerSpec(new CodedInputStream(input.ReadBytes().ToByteArray()), file); break;
                    case 3: ReadNormalizerSpec(new CodedInputStream(input.ReadBytes().ToByteArray()), file); break;
                    default: input.SkipLastField(); break;
                }
            return file;
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"{path}: not a SentencePiece model ({e.Message}).", e);
        }
    }

    private static (string, float, int) ReadPiece(CodedInputStream input)
    {
        (string piece, float score, int type) = ("", 0, Normal);
        while (input.ReadTag() is var tag and not 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: piece = input.ReadString(); break;
                case 2: score = input.ReadFloat(); break;
                case 3: type = input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        return (piece, score, type);
    }

    private static void ReadTrainerSpec(CodedInputStream input, ModelFile file)
    {
        while (input.ReadTag() is var tag and not 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3: file.ModelType = input.ReadEnum(); break;
                case 19: file.SplitByWhitespace = input.ReadBool(); break;
                case 24: file.WhitespaceAsSuffix = input.ReadBool(); break;
                case 35: file.ByteFallback = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
    }

    private static void ReadNormalizerSpec(CodedInputStream input, ModelFile file)
    {
        while (input.ReadTag() is var tag and not 0)
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: file.NormalizerName = input.ReadString(); break;
                case 2: file.Charsmap = input.ReadBytes().Length > 0; break;
                case 3: file.AddDummyPrefix = input.ReadBool(); break;
                case 4: file.RemoveExtraWhitespaces = input.ReadBool(); break;
                default: input.SkipLastField(); break;
            }
    }
}
