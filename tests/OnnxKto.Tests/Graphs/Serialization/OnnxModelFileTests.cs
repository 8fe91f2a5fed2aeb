using Google.Protobuf;
using Onnx;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Graphs.Serialization;

[TestClass]
public sealed class OnnxModelFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void Init() => _dir = Directory.CreateTempSubdirectory("onnxkto-model-").FullName;

    [TestCleanup]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void SavedModelLoadsBackAndComputesTheSame(bool externalData)
    {
        var g = SampleGraph();
        var path = Path.Combine(_dir, "model.onnx");
        OnnxModelFile.Save(g, path, externalData);
        Assert.AreEqual(externalData, File.Exists(path + ".data"));

        var loaded = OnnxModelFile.Load(path);
        Assert.AreEqual(new Shape("batch", 4), loaded["x"].Shape);
        Assert.AreEqual(g.Nodes.Count, loaded.Nodes.Count);
        CollectionAssert.AreEqual(g.Nodes.Select(n => n.Name).ToList(), loaded.Nodes.Select(n => n.Name).ToList());
        CollectionAssert.AreEqual(g["w"].Data!.Bytes.ToArray(), loaded["w"].Data!.Bytes.ToArray());

        var feeds = new Dictionary<string, TensorData> { ["x"] = TensorData.FromFloats([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) };
        using var original = new OnnxSession(g);
        using var reloaded = new OnnxSession(loaded);
        CollectionAssert.AreEqual(original.Run(feeds)["y"].ToFloats(), reloaded.Run(feeds)["y"].ToFloats());
    }

    [TestMethod]
    public void OnnxRuntimeReadsTheExternalDataFileItself()
    {
        var path = Path.Combine(_dir, "model.onnx");
        OnnxModelFile.Save(SampleGraph(), path, externalData: true);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);
        Assert.AreEqual("y", session.OutputNames.Single());
    }

    [TestMethod]
    [DataRow("../outside.bin", "outside the model folder")]
    [DataRow("/etc/passwd", "not a path relative")]
    [DataRow("sub/../../x.bin", "outside the model folder")]
    public void ExternalDataLeavingTheFolderIsRefused(string location, string expected)
    {
        var path = WriteWithExternalLocation(location, offset: 0, length: 64);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModelFile.Load(path));
        StringAssert.Contains(e.Message, "'w'");
        StringAssert.Contains(e.Message, expected);
    }

    [TestMethod]
    public void ExternalDataPastTheEndOfItsFileIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_dir, "weights.bin"), new byte[100]);
        var path = WriteWithExternalLocation("weights.bin", offset: 64, length: 64);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModelFile.Load(path));
        StringAssert.Contains(e.Message, "holds only 100");
    }

    [TestMethod]
    public void GarbageIsNotAModel()
    {
        var path = Path.Combine(_dir, "junk.onnx");
        File.WriteAllBytes(path, [0xff, 0xff, 0xff, 0x01, 0x02]);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => OnnxModelFile.Load(path));
        StringAssert.Contains(e.Message, path);
    }

    /// <summary>x (batch, 4) · w (4, 16) + b, then Softmax: initializers large enough to go external.</summary>
    private static Graph SampleGraph()
    {
        var g = new Graph("sample");
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape("batch", 4));
        var w = g.AddInitializer("w", TensorData.FromFloats([4, 64], Enumerable.Range(0, 256).Select(i => (i % 17) / 17f).ToArray()));
        var bias = g.AddInitializer("bias", TensorData.FromFloats([64], Enumerable.Range(0, 64).Select(i => i / 64f).ToArray()));
        b.Output(b.Op("Softmax", [b.Add(b.MatMul(x, w), bias)], ("axis", -1L)), "y");
        return g;
    }

    private string WriteWithExternalLocation(string location, long offset, long length)
    {
        var proto = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = "evil" } };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 18 });
        var t = new TensorProto { Name = "w", DataType = (int)DataType.Float, DataLocation = TensorProto.Types.DataLocation.External };
        t.Dims.Add(16);
        t.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        t.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        t.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
        proto.Graph.Initializer.Add(t);
        var path = Path.Combine(_dir, "evil.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }
}
