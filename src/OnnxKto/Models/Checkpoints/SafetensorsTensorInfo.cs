namespace OnnxKto.Models.Checkpoints;

/// <summary>One tensor's entry in a safetensors header, already validated against the file.</summary>
/// <param name="Name">Tensor name, e.g. <c>transformer.h.0.attn.c_attn.weight</c>.</param>
/// <param name="Dtype">Stored safetensors dtype, e.g. <c>BF16</c>.</param>
/// <param name="Shape">Dimensions, e.g. <c>[768, 2304]</c>; empty for a scalar.</param>
/// <param name="Begin">Offset of the first byte, relative to the start of the data section.</param>
/// <param name="End">Offset one past the last byte, relative to the start of the data section.</param>
internal sealed record SafetensorsTensorInfo(string Name, string Dtype, long[] Shape, long Begin, long End)
{
    /// <summary>Stored size in bytes.</summary>
    public long ByteLength => End - Begin;
}
