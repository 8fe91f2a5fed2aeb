namespace OnnxKto.Runtime;

/// <summary>The execution provider family of an <see cref="ExecutionDevice"/>.</summary>
public enum DeviceKind
{
    /// <summary>ORT's CPU execution provider.</summary>
    Cpu,

    /// <summary>ORT's CUDA execution provider (NVIDIA GPUs; the GPU build of onnx-kto).</summary>
    Cuda,
}
