using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Runtime;

[TestClass]
public sealed class DeviceAllocatorTests
{
    [TestMethod]
    public void Cpu_allocates_tensors_of_the_given_type_and_shape_in_cpu_memory()
    {
        using var allocator = DeviceAllocator.Create(ExecutionDevice.Cpu);

        using var floats = allocator.Allocate(TensorElementType.Float, 2, 3, 4);
        using var ids = allocator.Allocate(DataType.Int64, 8);

        var info = floats.GetTensorTypeAndShape();
        Assert.AreEqual(TensorElementType.Float, info.ElementDataType);
        CollectionAssert.AreEqual(new long[] { 2, 3, 4 }, info.Shape);
        Assert.AreEqual(TensorElementType.Int64, ids.GetTensorTypeAndShape().ElementDataType);
        Assert.AreEqual(OrtMemoryInfo.DefaultInstance.Name, floats.GetTensorMemoryInfo().Name);
        floats.GetTensorMutableDataAsSpan<float>().Fill(1.5f);          // host-writable
        Assert.AreEqual(1.5f, floats.GetTensorDataAsSpan<float>()[23]);
    }

    [TestMethod]
    public void Cpu_probe_round_trips_through_io_binding()
    {
        var lines = DeviceProbe.Run(ExecutionDevice.Cpu, new DeviceSessionSettings { IntraOpThreads = 1 });

        Assert.IsTrue(lines.Any(l => l.Contains("round trip") && l.Contains("equal")), string.Join("\n", lines));
    }

    [TestMethod]
    public void Cuda_allocator_without_cuda_is_the_clear_device_error()
    {
        if (ExecutionDeviceTests.CudaIsUsable()) Assert.Inconclusive("CUDA works on this machine.");

        var e = Assert.ThrowsExactly<DeviceUnavailableException>(() => DeviceAllocator.Create(ExecutionDevice.Cuda()).Dispose());

        StringAssert.Contains(e.Message, "HINT");
    }

    [TestMethod]
    [TestCategory("Gpu")]
    public void Cuda_allocates_device_resident_tensors_and_round_trips_through_io_binding()
    {
        if (!ExecutionDeviceTests.CudaIsUsable()) Assert.Inconclusive("No usable CUDA here (needs the GPU build, CUDA 13 libraries and a GPU).");

        using var allocator = DeviceAllocator.Create(ExecutionDevice.Cuda());
        using var weights = allocator.Allocate(TensorElementType.Float, 768, 768);
        var lines = DeviceProbe.Run(ExecutionDevice.Cuda());

        Assert.AreEqual("Cuda", weights.GetTensorMemoryInfo().Name);
        Assert.IsTrue(lines.Any(l => l.Contains("round trip") && l.Contains("equal")), string.Join("\n", lines));
    }
}
