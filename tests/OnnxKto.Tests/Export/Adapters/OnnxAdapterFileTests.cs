using System.Buffers.Binary;
using System.Text;
using OnnxKto.Export.Adapters;
using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Export.Adapters;

/// <summary>
/// The <c>.onnx_adapter</c> bytes read by hand with FlatBuffers' wire rules (root uoffset, soffset to the vtable, u16 field
/// offsets, uoffsets to length-prefixed vectors), independent of the builder: ORT's loader checks the rest.
/// </summary>
[TestClass]
public sealed class OnnxAdapterFileTests
{
    [TestMethod]
    public void TheFileIsATortFlatBufferWithFormatVersionOneAndRawDataAlignedTo8()
    {
        // Odd name lengths and a 3-byte tensor push later vectors off any natural alignment.
        var parameters = new List<KeyValuePair<string, TensorData>>
        {
            new("a", new TensorData(DataType.UInt8, [3], [1, 2, 3])),
            new("bb.lora_B", TensorData.FromFloats([1, 2], [0.5f, -2])),
            new("ccc", TensorData.FromLongs([2], [7, -7])),
        };
        var bytes = OnnxAdapterFile.Serialize(parameters, adapterVersion: 3, modelVersion: 0);

        Assert.AreEqual("TORT", Encoding.ASCII.GetString(bytes, 4, 4));
        int adapter = U32(bytes, 0);
        Assert.AreEqual(1, Field<int>(bytes, adapter, 0), "format_version");
        Assert.AreEqual(3, Field<int>(bytes, adapter, 1), "adapter_version");
        Assert.AreEqual(0, Field<int>(bytes, adapter, 2), "model_version (the default, left out)");
        int vector = Target(bytes, adapter, 3);
        Assert.AreEqual(parameters.Count, U32(bytes, vector));
        for (int i = 0; i < parameters.Count; i++)
        {
            int slot = vector + 4 + 4 * i, parameter = slot + U32(bytes, slot);
            var (name, tensor) = (parameters[i].Key, parameters[i].Value);
            int nameAt = Target(bytes, parameter, 0);
            Assert.AreEqual(name, Encoding.UTF8.GetString(bytes, nameAt + 4, U32(bytes, nameAt)));
            int dims = Target(bytes, parameter, 1);
            Assert.AreEqual(0, (dims + 4) % 8, $"{name}: dims are int64");
            CollectionAssert.AreEqual(tensor.Dims, Enumerable.Range(0, U32(bytes, dims)).Select(d => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(dims + 4 + 8 * d))).ToArray());
            Assert.AreEqual((int)tensor.Type, Field<int>(bytes, parameter, 2), $"{name}: data_type");
            int raw = Target(bytes, parameter, 3);
            Assert.AreEqual(0, (raw + 4) % 8, $"{name}: raw_data is force_align 8 (ORT maps it in place)");
            CollectionAssert.AreEqual(tensor.Bytes.ToArray(), bytes.AsSpan(raw + 4, U32(bytes, raw)).ToArray(), name);
        }
    }

    [TestMethod]
    public void DuplicateOrMissingNamesAreRefused()
    {
        var t = TensorData.FromFloats([1], [1]);
        Assert.ThrowsExactly<ArgumentException>(() => OnnxAdapterFile.Serialize([new("x", t), new("x", t)]));
        Assert.ThrowsExactly<ArgumentException>(() => OnnxAdapterFile.Serialize([new("", t)]));
        Assert.ThrowsExactly<ArgumentException>(() => OnnxAdapterFile.Serialize([]));
    }

    [TestMethod]
    public void ReadGivesBackTheWrittenFloatParametersInFileOrder()
    {
        using var dir = new TempFolder();
        var parameters = new List<KeyValuePair<string, TensorData>>
        {
            new("h.0.attn.q.lora_A", TensorData.FromFloats([3, 2], [1, -2, 3.5f, 0, 1e-7f, -1e7f])),
            new("h.0.attn.q.lora_B", TensorData.FromFloats([2, 1], [0.25f, 9])),
            new("empty.lora_A", TensorData.FromFloats([4, 0], [])),
        };
        OnnxAdapterFile.Write(dir.File("a.onnx_adapter"), parameters);

        var read = OnnxAdapterFile.Read(dir.File("a.onnx_adapter"));

        CollectionAssert.AreEqual(parameters.Select(p => p.Key).ToArray(), read.Select(p => p.Key).ToArray());
        for (int i = 0; i < read.Count; i++)
        {
            CollectionAssert.AreEqual(parameters[i].Value.Dims, read[i].Value.Dims, read[i].Key);
            CollectionAssert.AreEqual(parameters[i].Value.ToFloats(), read[i].Value.ToFloats(), read[i].Key);
        }
    }

    [TestMethod]
    public void ReadingSomethingElseNamesTheFile()
    {
        using var dir = new TempFolder();
        var path = dir.WriteText("model.onnx_adapter", "not a flatbuffer at all");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxAdapterFile.Read(path));
        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "TORT");
        OnnxAdapterFile.Write(path, [new("ids", TensorData.FromLongs([1], [3]))]);
        e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxAdapterFile.Read(path));
        StringAssert.Contains(e.Message, "'ids'");
    }

    private static int U32(byte[] b, int at) => (int)BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));

    // The byte offset of field `id` of the table at `table`, or 0 when absent (a default).
    private static int FieldAt(byte[] b, int table, int id)
    {
        int vtable = table - BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(table));
        int vtableSize = BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vtable));
        int slot = 4 + 2 * id;
        int offset = slot < vtableSize ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(vtable + slot)) : 0;
        return offset == 0 ? 0 : table + offset;
    }

    private static T Field<T>(byte[] b, int table, int id) where T : struct =>
        FieldAt(b, table, id) is var at and > 0 ? System.Runtime.InteropServices.MemoryMarshal.Read<T>(b.AsSpan(at)) : default;

    // Where the uoffset field `id` points.
    private static int Target(byte[] b, int table, int id)
    {
        int at = FieldAt(b, table, id);
        Assert.AreNotEqual(0, at, $"field {id} is present");
        return at + U32(b, at);
    }
}
