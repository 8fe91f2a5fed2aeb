using OnnxKto.Graphs;

namespace OnnxKto.Training.Artifacts;

/// <summary>
/// Mixed precision (<c>bf16</c>, <c>fp16</c>, Hugging Face's keys): matrix products and attention's products in the forward
/// and backward graphs compute in bfloat16 or float16 (<see cref="MixedPrecisionPass"/>), while master weights, optimizer
/// state, gradients, softmax statistics, norms and the loss stay float32. Baked into the artifacts.
/// </summary>
public sealed record PrecisionSettings
{
    /// <summary>
    /// <c>bf16</c>: products in bfloat16 (float32's range, 8 significant bits; no loss scaling needed). Needs
    /// <c>--device cuda</c>: ONNX Runtime's CPU provider has no bfloat16 MatMul or Gemm. Example: true.
    /// </summary>
    public bool Bf16 { get; init; }

    /// <summary>
    /// <c>fp16</c>: products in float16 (11 significant bits, largest value 65504), with dynamic loss scaling as PyTorch's
    /// <c>GradScaler</c> does it (DynamicLossScaler). Runs on CPU too (slowly). Example: false.
    /// </summary>
    public bool Fp16 { get; init; }

    /// <summary>Everything in float32.</summary>
    public static PrecisionSettings Default { get; } = new();

    /// <summary>The type the products compute in: BFloat16, Float16, or null for plain float32.</summary>
    /// <exception cref="UserError">Both <c>bf16</c> and <c>fp16</c> are set.</exception>
    public DataType? ComputeType => (Bf16, Fp16) switch
    {
        (true, true) => throw new UserError("Both bf16 and fp16 are true; set one of them (bf16 on GPUs that have it, such as the A100, H100 and H200)."),
        (true, false) => DataType.BFloat16,
        (false, true) => DataType.Float16,
        _ => null,
    };
}
