using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class SafetensorsWriterTests
{
    [TestMethod]
    public void RoundTripsEveryTypeAndTheMetadata()
    {
        using var dir = new TempFolder();
        string path = dir.File("ckpt/checkpoint.safetensors");
        var tensors = new Dictionary<string, TensorData>
        {
            ["weights.w"] = TensorData.FromFloats([2, 3], [1f, -2f, 3.5f, 0f, 1e-30f, float.MaxValue]),
            ["step"] = TensorData.FromLongs([], [123456789012L]),
            ["moments.v"] = TensorData.FromDoubles([2], [Math.PI, -1e300]),
            ["ids"] = TensorData.FromInts([3], [-1, 0, int.MaxValue]),
            ["mask"] = TensorData.FromBools([2], [true, false]),
            ["empty"] = TensorData.FromFloats([0, 4], []),
        };
        var metadata = new Dictionary<string, string> { ["step"] = "100", ["config"] = "{\"beta\": 0.1}" };

        SafetensorsWriter.Write(path, tensors, metadata);
        using var file = SafetensorsFile.Open(path);

        CollectionAssert.AreEquivalent(tensors.Keys.ToArray(), file.TensorNames.ToArray());
        foreach (var (name, expected) in tensors)
        {
            var actual = file.Read(name);
            Assert.AreEqual(expected.Type, actual.Type, name);
            CollectionAssert.AreEqual(expected.Dims, actual.Dims, name);
            CollectionAssert.AreEqual(expected.Bytes.ToArray(), actual.Bytes.ToArray(), name);
        }
        Assert.AreEqual("100", file.Metadata["step"]);
        Assert.AreEqual("{\"beta\": 0.1}", file.Metadata["config"]);
        Assert.IsFalse(File.Exists(path + ".tmp"), "the temporary file is renamed away");
    }

    [TestMethod]
    public void DataSectionStartsEightByteAligned()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.safetensors");
        for (int nameLength = 1; nameLength <= 8; nameLength++)
        {
            SafetensorsWriter.Write(path, new Dictionary<string, TensorData> { [new string('x', nameLength)] = TensorData.FromFloats([1], [1f]) });
            using var stream = File.OpenRead(path);
            var prefix = new byte[8];
            stream.ReadExactly(prefix);
            ulong headerLength = BitConverter.ToUInt64(prefix);
            Assert.AreEqual(0UL, (8 + headerLength) % 8, $"name length {nameLength}");
            Assert.AreEqual((long)(8 + headerLength + 4), stream.Length);
        }
    }

    [TestMethod]
    public void HalfAndBFloat16AreStoredAsIsAndReadBackWidened()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, TensorData>
        {
            ["h"] = TensorData.Scalar(DataType.Float16, -0.5, [1]),
            ["b"] = TensorData.Scalar(DataType.BFloat16, 3.0, [1]),
        });

        using var file = SafetensorsFile.Open(path);
        Assert.AreEqual("F16", file.GetInfo("h").Dtype);
        Assert.AreEqual("BF16", file.GetInfo("b").Dtype);
        CollectionAssert.AreEqual(new[] { -0.5f }, file.Read("h").ToFloats());
        CollectionAssert.AreEqual(new[] { 3f }, file.Read("b").ToFloats());
    }

    [TestMethod]
    public void ReplacesAnExistingFileWhole()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, TensorData> { ["old"] = TensorData.FromFloats([100], new float[100]) });
        SafetensorsWriter.Write(path, new Dictionary<string, TensorData> { ["new"] = TensorData.FromFloats([1], [2f]) });

        using var file = SafetensorsFile.Open(path);
        CollectionAssert.AreEqual(new[] { "new" }, file.TensorNames.ToArray());
        CollectionAssert.AreEqual(new[] { 2f }, file.Read("new").ToFloats());
    }

    [TestMethod]
    public void ReservedMetadataNameIsRefused()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.safetensors");
        var tensors = new Dictionary<string, TensorData> { ["__metadata__"] = TensorData.FromFloats([1], [1f]) };

        Assert.ThrowsExactly<ArgumentException>(() => SafetensorsWriter.Write(path, tensors));
        Assert.IsFalse(File.Exists(path));
    }
}
