using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class SafetensorsFileTests
{
    [TestMethod]
    public void Bf16DecodesToExactFloat32()
    {
        using var dir = new TempFolder();
        // bfloat16 bit patterns, little-endian: 0x3F80 = 1, 0xC040 = -3, 0x3E20 = 0.15625, 0x7F80 = +inf, 0x8000 = -0.
        byte[] data = [0x80, 0x3F, 0x40, 0xC0, 0x20, 0x3E, 0x80, 0x7F, 0x00, 0x80];
        string path = RawSafetensors.Write(dir.File("a.safetensors"),
            """{"w":{"dtype":"BF16","shape":[5],"data_offsets":[0,10]}}""", data);

        using var file = SafetensorsFile.Open(path);
        var w = file.Read("w");

        Assert.AreEqual(DataType.Float, w.Type);
        CollectionAssert.AreEqual(new[] { 1f, -3f, 0.15625f, float.PositiveInfinity, -0f }, w.ToFloats());
        Assert.IsTrue(float.IsNegative(w.ToFloats()[4]), "0x8000 is negative zero");
    }

    [TestMethod]
    public void F16DecodesToExactFloat32()
    {
        using var dir = new TempFolder();
        // float16: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 1365/4096 = 0.333251953125, 0x0001 = 2^-24 (subnormal), 0x7BFF = 65504.
        byte[] data = [0x00, 0x3C, 0x00, 0xC0, 0x55, 0x35, 0x01, 0x00, 0xFF, 0x7B, 0x00, 0x00];
        string path = RawSafetensors.Write(dir.File("a.safetensors"),
            """{"w":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]}}""", data);

        using var file = SafetensorsFile.Open(path);
        var w = file.Read("w");

        CollectionAssert.AreEqual(new long[] { 2, 3 }, w.Dims);
        CollectionAssert.AreEqual(new[] { 1f, -2f, 0.333251953125f, 5.9604644775390625e-8f, 65504f, 0f }, w.ToFloats());
    }

    [TestMethod]
    public void ReadsTensorsLazilyByNameFromTheirOffsets()
    {
        using var dir = new TempFolder();
        // Header order differs from data order; the reader must use data_offsets, not position in the header.
        byte[] data = [.. BitConverter.GetBytes(7L), .. BitConverter.GetBytes(2.5f), .. BitConverter.GetBytes(-1.25f)];
        string path = RawSafetensors.Write(dir.File("a.safetensors"),
            """{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"__metadata__":{"format":"pt"},"a":{"dtype":"I64","shape":[],"data_offsets":[0,8]}}""",
            data);

        using var file = SafetensorsFile.Open(path);

        CollectionAssert.AreEqual(new[] { "a", "b" }, file.TensorNames.ToArray());
        Assert.AreEqual("pt", file.Metadata["format"]);
        CollectionAssert.AreEqual(new[] { 2.5f, -1.25f }, file.Read("b").ToFloats());
        CollectionAssert.AreEqual(new[] { 7L }, file.Read("a").ToLongs());
        Assert.AreEqual(0, file.Read("a").Dims.Length);
    }

    [TestMethod]
    [DataRow("header length past end", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, 1000UL, "runs past the end")]
    [DataRow("absurd header length", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, 1UL << 40, "exceeds")]
    [DataRow("offsets past data", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, null, "tensor 'w': data_offsets [0, 8] run past")]
    [DataRow("overlapping tensors", """{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, null, "tensor 'w' (bytes [4, 12)) overlaps tensor 'x'")]
    [DataRow("unknown dtype", """{"w":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}""", 4, null, "tensor 'w': unknown dtype 'F8_E4M3'")]
    [DataRow("size mismatch", """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, null, "tensor 'w': F32 shape [3] needs 12 bytes")]
    [DataRow("begin after end", """{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8, null, "tensor 'w': data_offsets [8, 4] begin after")]
    [DataRow("negative dim", """{"w":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,8]}}""", 8, null, "tensor 'w': 'shape' entry 0 is -1")]
    [DataRow("invalid json", """{"w":{"dtype":"F32",""", 8, null, "not valid JSON")]
    [DataRow("duplicate tensor", """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, null, "tensor 'w' appears twice")]
    public void LyingHeaderIsInvalidDataNamingFileAndTensor(string what, string header, int dataBytes, ulong? declaredLength, string expected)
    {
        using var dir = new TempFolder();
        string path = RawSafetensors.Write(dir.File("lying.safetensors"), header, new byte[dataBytes], declaredLength);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsFile.Open(path), what);

        StringAssert.Contains(e.Message, path, what);
        StringAssert.Contains(e.Message, expected, what);
    }

    [TestMethod]
    public void FileShorterThanTheLengthPrefixIsInvalidData()
    {
        using var dir = new TempFolder();
        string path = dir.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsFile.Open(path));
        StringAssert.Contains(e.Message, path);
    }

    [TestMethod]
    public void UnknownTensorNameIsKeyNotFoundNamingTheFile()
    {
        using var dir = new TempFolder();
        string path = RawSafetensors.Write(dir.File("a.safetensors"), """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]);
        using var file = SafetensorsFile.Open(path);

        var e = Assert.ThrowsExactly<KeyNotFoundException>(() => file.Read("v"));
        StringAssert.Contains(e.Message, "'v'");
        StringAssert.Contains(e.Message, path);
    }
}
