using Google.Protobuf;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Writes a tiny SentencePiece <c>tokenizer.model</c> (a serialized <c>sentencepiece.ModelProto</c>) field by field,
/// so tokenizer tests need no downloads. Field numbers are those of sentencepiece_model.proto.
/// </summary>
internal static class SentencePieceModelWriter
{
    public const int Normal = 1, Unknown = 2, Control = 3;

    /// <summary>A BPE model with <c>&lt;unk&gt;</c>=0, <c>&lt;s&gt;</c>=1, <c>&lt;/s&gt;</c>=2 and a dummy-prefix normalizer.</summary>
    public static void Write(string path, IEnumerable<(string Piece, float Score, int Type)> pieces)
    {
        using var file = File.Create(path);
        var model = new CodedOutputStream(file);
        foreach (var (piece, score, type) in pieces)
            Message(model, 1, m =>                       // ModelProto.pieces
            {
                m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString(piece);  // SentencePiece.piece
                m.WriteTag(2, WireFormat.WireType.Fixed32); m.WriteFloat(score);           // SentencePiece.score
                m.WriteTag(3, WireFormat.WireType.Varint); m.WriteInt32(type);             // SentencePiece.type
            });
        Message(model, 2, m =>                           // ModelProto.trainer_spec
        {
            m.WriteTag(3, WireFormat.WireType.Varint); m.WriteInt32(2);   // model_type = BPE
            m.WriteTag(40, WireFormat.WireType.Varint); m.WriteInt32(0);  // unk_id
            m.WriteTag(41, WireFormat.WireType.Varint); m.WriteInt32(1);  // bos_id
            m.WriteTag(42, WireFormat.WireType.Varint); m.WriteInt32(2);  // eos_id
            m.WriteTag(43, WireFormat.WireType.Varint); m.WriteInt32(-1); // pad_id
        });
        Message(model, 3, m =>                           // ModelProto.normalizer_spec
        {
            m.WriteTag(1, WireFormat.WireType.LengthDelimited); m.WriteString("identity");
            m.WriteTag(3, WireFormat.WireType.Varint); m.WriteBool(true);  // add_dummy_prefix
            m.WriteTag(4, WireFormat.WireType.Varint); m.WriteBool(false); // remove_extra_whitespaces
            m.WriteTag(5, WireFormat.WireType.Varint); m.WriteBool(true);  // escape_whitespaces
        });
        model.Flush();
    }

    private static void Message(CodedOutputStream parent, int field, Action<CodedOutputStream> body)
    {
        using var buffer = new MemoryStream();
        var inner = new CodedOutputStream(buffer);
        body(inner);
        inner.Flush();
        parent.WriteTag(field, WireFormat.WireType.LengthDelimited);
        parent.WriteBytes(ByteString.CopyFrom(buffer.ToArray()));
    }
}
