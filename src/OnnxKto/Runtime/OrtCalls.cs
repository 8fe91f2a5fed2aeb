using Microsoft.ML.OnnxRuntime;

namespace OnnxKto.Runtime;

/// <summary>ONNX Runtime failed: the message says what OnnxKto was doing and what ORT answered.</summary>
public sealed class OnnxRuntimeFailure(string message, Exception inner) : Exception(message, inner);

/// <summary>The one place ORT exceptions become <see cref="OnnxRuntimeFailure"/>s.</summary>
internal static class OrtCalls
{
    public static T Guard<T>(string what, Func<T> call)
    {
        try { return call(); }
        catch (OnnxRuntimeException e)
        {
            throw new OnnxRuntimeFailure($"ONNX Runtime failed to {what}: {e.Message}", e);
        }
    }
}
