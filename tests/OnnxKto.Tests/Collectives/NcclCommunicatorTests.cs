using System.Runtime.InteropServices;
using OnnxKto.Collectives;
using OnnxKto.Graphs;
using OnnxKto.Runtime;
using OnnxKto.Tests.Runtime;

namespace OnnxKto.Tests.Collectives;

[TestClass]
public sealed class NcclCommunicatorTests
{
    private static bool NcclLoads()
    {
        if (!NativeLibrary.TryLoad(NcclNative.NcclLibrary, out var handle)) return false;
        NativeLibrary.Free(handle);
        return true;
    }

    [TestMethod]
    public void MissingNcclIsOneClearError()
    {
        if (NcclLoads()) Assert.Inconclusive("NCCL is installed here; the error path cannot be shown.");
        var e = Assert.ThrowsExactly<UserError>(() => NcclCommunicator.Create(new SingleProcess(), 0));
        StringAssert.Contains(e.Message, "libnccl.so.2 cannot be loaded");
        StringAssert.Contains(e.Hint, "nvidia-nccl-cu13");
    }

    [TestMethod]
    [TestCategory("Gpu")]
    public void OneRankCommunicatorAveragesADeviceBufferInPlace()
    {
        if (!ExecutionDeviceTests.CudaIsUsable() || !NcclLoads()) Assert.Inconclusive("Needs the GPU build, a GPU and libnccl.so.2.");
        using var context = new DeviceContext(ExecutionDevice.Cuda());
        var values = Enumerable.Range(0, 1000).Select(i => i * 0.25f - 3).ToArray();
        using var tensor = context.Upload(TensorData.FromFloats([1000], values));
        using var nccl = NcclCommunicator.Create(new SingleProcess(), 0);
        nccl.AverageInPlace([(tensor.Address, tensor.ElementCount)]);
        CollectionAssert.AreEqual(values, context.Download(tensor).ToFloats(), "the average over one rank is the buffer itself");
    }
}
