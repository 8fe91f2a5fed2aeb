namespace OnnxKto.Runtime;

/// <summary>
/// The requested <see cref="ExecutionDevice"/> cannot run here: a CPU-only build asked for CUDA, a CUDA library
/// is missing, or no GPU is visible. The message names what is missing and how to fix it.
/// </summary>
public sealed class DeviceUnavailableException : InvalidOperationException
{
    /// <summary>An unavailable device; <paramref name="message"/> says what is missing and how to fix it.</summary>
    public DeviceUnavailableException(string message) : base(message) { }

    /// <summary>An unavailable device; <paramref name="message"/> says what is missing and how to fix it, <paramref name="inner"/> is ONNX Runtime's failure.</summary>
    public DeviceUnavailableException(string message, Exception inner) : base(message, inner) { }
}
