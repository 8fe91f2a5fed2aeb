using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class LazyTensorsTests
{
    private static readonly Dictionary<string, TensorData> Tensors = new()
    {
        ["b.moment"] = TensorData.FromFloats([2, 2], [1f, 2f, 3f, 4f]),
        ["a.weight"] = TensorData.FromDoubles([3], [Math.PI, -1, 0]),
        ["c.step"] = TensorData.FromLongs([], [7]),
    };

    [TestMethod]
    public void StreamedFileIsByteForByteTheEagerOneAndReadsEachTensorOnceInFileOrder()
    {
        using var dir = new TempFolder();
        var reads = new List<string>();
        var lazy = new LazyTensors(Tensors.Select(kv => new LazyTensors.Entry(kv.Key, kv.Value.Type, kv.Value.Dims, () =>
        {
            reads.Add(kv.Key);
            return kv.Value;
        })));
        var metadata = new Dictionary<string, string> { ["step"] = "7" };

        SafetensorsWriter.Write(dir.File("eager.safetensors"), Tensors, metadata);
        SafetensorsWriter.Write(dir.File("lazy.safetensors"), lazy, metadata);

        CollectionAssert.AreEqual(File.ReadAllBytes(dir.File("eager.safetensors")), File.ReadAllBytes(dir.File("lazy.safetensors")));
        // The header came from the layouts: each tensor was read exactly once, when its bytes were written.
        CollectionAssert.AreEqual(new[] { "a.weight", "b.moment", "c.step" }, reads);
    }

    [TestMethod]
    public void WithAddsAnEagerTensorAndKeepsTheOthersLazy()
    {
        int reads = 0;
        var lazy = new LazyTensors([new LazyTensors.Entry("w", DataType.Float, [1], () => { reads++; return TensorData.FromFloats([1], [2f]); })]);
        var more = lazy.With("optimizer.step", TensorData.FromLongs([], [3]));
        Assert.AreEqual(2, more.Count);
        Assert.AreEqual(0, reads, "adding a tensor reads none");
        Assert.AreEqual(3L, more["optimizer.step"].ToLongs()[0]);
        Assert.AreEqual(2f, more["w"].ToFloats()[0]);
        Assert.AreEqual(2f, more["w"].ToFloats()[0]);
        Assert.AreEqual(2, reads, "nothing is kept: every access reads again");
    }

    [TestMethod]
    public void ATensorThatDoesNotMatchItsLayoutIsNamedAndTheOldFileStays()
    {
        using var dir = new TempFolder();
        string path = dir.File("checkpoint.safetensors");
        SafetensorsWriter.Write(path, Tensors);
        var before = File.ReadAllBytes(path);
        var lying = new LazyTensors([new LazyTensors.Entry("w", DataType.Float, [2], () => TensorData.FromFloats([3], [1f, 2f, 3f]))]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => SafetensorsWriter.Write(path, lying));
        StringAssert.Contains(e.Message, "'w'");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
        Assert.IsFalse(File.Exists(path + ".tmp"));
    }
}
