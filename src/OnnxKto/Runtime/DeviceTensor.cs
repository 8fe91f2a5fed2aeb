using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using OnnxKto.Graphs;

namespace OnnxKto.Runtime;

/// <summary>
/// A tensor that sessions read or write in place through IO binding: resident on a device (parameters, gradients,
/// optimizer moments made by <see cref="DeviceContext"/>), or a view over a host array (a batch's token ids).
/// On the CPU, the context's tensors lie in native memory it allocates itself (or in a checkpoint's mapped file), so
/// their address is known at any size. Higher floors hold these without touching ONNX Runtime's types.
/// </summary>
internal sealed class DeviceTensor : IDisposable
{
    private readonly TensorMemory? _memory;   // the host bytes under Value, when they are ours rather than ORT's
    private readonly object? _owner;          // what keeps _memory alive: the memory itself (disposed with us) or a TensorData

    internal DeviceTensor(OrtValue value) => Value = value;

    private DeviceTensor(OrtValue value, TensorMemory memory, object owner)
    {
        Value = value;
        _memory = memory;
        _owner = owner;
    }

    internal OrtValue Value { get; }

    /// <summary>The read-only tensor this one binds in place (<see cref="DeviceContext.Share"/> on the CPU), or null.</summary>
    internal TensorData? SharedData => _owner as TensorData;

    /// <summary>
    /// A host tensor over <paramref name="memory"/> (not copied). With <paramref name="keepAlive"/> null the tensor owns
    /// the memory and frees it on <see cref="Dispose"/>; otherwise it only keeps <paramref name="keepAlive"/> (the memory's
    /// owner, e.g. a read-only <see cref="TensorData"/> that sessions read and never write) alive.
    /// </summary>
    internal static DeviceTensor OverMemory(TensorMemory memory, DataType type, long[] dims, object? keepAlive = null) =>
        new(OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, OrtTensors.ElementType(type), dims, memory.Address, memory.Length),
            memory, keepAlive ?? memory);

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
    public unsafe Span<T> HostSpan<T>() where T : unmanaged
    {
        if (_memory is null)
            return IsOnHost ? Value.GetTensorMutableDataAsSpan<T>() : throw new InvalidOperationException("The tensor lives in device memory; download it first.");
        long count = _memory.Length / sizeof(T);
        return count <= int.MaxValue ? new Span<T>((void*)_memory.Address, (int)count)
            : throw new NotSupportedException($"A tensor of {count:N0} elements has no single span; use views (View) of it.");
    }

    /// <summary>Elements in the tensor.</summary>
    public long ElementCount => Value.GetTensorTypeAndShape().ElementCount;

    /// <summary>
    /// The most bytes an ORT-allocated tensor (device memory) may hold for <see cref="Address"/>: ORT's C# API reaches
    /// its memory through a span, whose length is an int. Host tensors of a <see cref="DeviceContext"/> have no limit.
    /// </summary>
    public const long MaxAddressableBytes = int.MaxValue;

    /// <summary>Whether <see cref="Address"/> can be read: host memory of ours, or ORT memory of at most <see cref="MaxAddressableBytes"/>.</summary>
    public bool HasAddress => _memory is not null || Value.GetTensorSizeInBytes() <= MaxAddressableBytes;

    /// <summary>
    /// The address of the first element, in host or device memory: what a collective library (NCCL) reads and writes
    /// in place, and where <see cref="View"/>s start. Valid while the tensor lives.
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor is ORT's and holds more than <see cref="MaxAddressableBytes"/>.</exception>
    public unsafe IntPtr Address => _memory is not null ? _memory.Address
        : Value.GetTensorSizeInBytes() <= MaxAddressableBytes
        ? (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(Value.GetTensorMutableRawData()))
        : throw new NotSupportedException(
            $"A tensor of {Value.GetTensorSizeInBytes():N0} bytes: ONNX Runtime's C# API gives the address of its tensors up to {MaxAddressableBytes:N0} bytes (2 GiB) only.");

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

    public void Dispose()
    {
        Value.Dispose();
        if (ReferenceEquals(_owner, _memory)) _memory?.Dispose();
    }
}
