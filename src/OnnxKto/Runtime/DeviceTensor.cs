using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime;

/// <summary>
/// A tensor that sessions read or write in place through IO binding: resident on a device (parameters, gradients,
/// optimizer moments made by <see cref="DeviceContext"/>), or a view over a host array (a batch's token ids).
/// Higher floors hold these without touching ONNX Runtime's types.
/// </summary>
internal sealed class DeviceTensor : IDisposable
{
    internal DeviceTensor(OrtValue value) => Value = value;

    internal OrtValue Value { get; }

    /// <summary>A view over <paramref name="data"/> (pinned, not copied) with shape <paramref name="shape"/>.</summary>
    public static DeviceTensor OverHost<T>(T[] data, params long[] shape) where T : unmanaged =>
        new(OrtValue.CreateTensorValueFromMemory(data, shape));

    /// <summary>A tensor in host memory allocated by ONNX Runtime; contents undefined (zero-sized dimensions allowed).</summary>
    public static DeviceTensor AllocateOnHost(DataType type, params long[] shape) =>
        new(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, OrtTensors.ElementType(type), shape));

    /// <summary>The element type.</summary>
    public DataType Type => (DataType)(int)Value.GetTensorTypeAndShape().ElementDataType;

    /// <summary>The dimensions, outermost first.</summary>
    public long[] Dims => Value.GetTensorTypeAndShape().Shape;

    /// <summary>Whether the tensor lies in host memory, where <see cref="HostSpan{T}"/> can reach it.</summary>
    public bool IsOnHost => Value.GetTensorMemoryInfo().GetDeviceType() == OrtMemoryInfoDeviceType.CPU;

    /// <summary>The elements in place, for host tensors (in-place updates such as the CPU optimizer's).</summary>
    /// <exception cref="InvalidOperationException">The tensor lives in device memory.</exception>
    public Span<T> HostSpan<T>() where T : unmanaged =>
        IsOnHost ? Value.GetTensorMutableDataAsSpan<T>() : throw new InvalidOperationException("The tensor lives in device memory; download it first.");

    /// <summary>Elements in the tensor.</summary>
    public long ElementCount => Value.GetTensorTypeAndShape().ElementCount;

    /// <summary>The most bytes a tensor may hold for <see cref="Address"/>: ORT's C# API reaches its memory through a span, whose length is an int.</summary>
    public const long MaxAddressableBytes = int.MaxValue;

    /// <summary>
    /// The address of the first element, in host or device memory: what a collective library (NCCL) reads and writes
    /// in place, and where <see cref="View"/>s start. Valid while the tensor lives.
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor holds more than <see cref="MaxAddressableBytes"/>.</exception>
    public unsafe IntPtr Address => Value.GetTensorSizeInBytes() <= MaxAddressableBytes
        ? (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Value.GetTensorMutableRawData()))
        : throw new NotSupportedException(
            $"A tensor of {Value.GetTensorSizeInBytes():N0} bytes: ONNX Runtime's C# API gives the address of tensors up to {MaxAddressableBytes:N0} bytes (2 GiB) only.");

    /// <summary>
    /// A flat view of <paramref name="length"/> elements from element <paramref name="offset"/>, in the same memory (not
    /// copied; valid while this tensor lives): lets a graph with a symbolic length read or write part of a tensor.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The range leaves the tensor.</exception>
    public DeviceTensor View(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > ElementCount)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Elements [{offset}, {offset + length}) leave a tensor of {ElementCount}.");
        var type = Value.GetTensorTypeAndShape().ElementDataType;
        long size = Type.SizeInBytes();
        return new(OrtValue.CreateTensorValueWithData(Value.GetTensorMemoryInfo(), type, [length], Address + (nint)(offset * size), length * size));
    }

    public void Dispose() => Value.Dispose();
}
