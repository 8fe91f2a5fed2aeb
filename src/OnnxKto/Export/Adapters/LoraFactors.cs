using OnnxKto.Graphs;

namespace OnnxKto.Export.Adapters;

/// <summary>
/// One LoRA-adapted linear layer as PEFT stores it: ΔW = <see cref="Scaling"/> · B · A in PyTorch's [out, in] layout,
/// so y = x·Wᵀ + <see cref="Scaling"/> · (x·Aᵀ)·Bᵀ, whatever layout the base weight has (GPT-2's Conv1D keeps W as [in, out]).
/// </summary>
/// <param name="Weight">The base weight's name in the exported graph (its Hugging Face name), e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="A">lora_A, Float [r, in].</param>
/// <param name="B">lora_B, Float [out, r].</param>
/// <param name="Scaling">α / r (PEFT's <c>scaling</c>), e.g. 2 for r = 16, α = 32.</param>
public sealed record LoraFactors(string Weight, TensorData A, TensorData B, double Scaling)
{
    /// <summary>The rank r.</summary>
    public long Rank => A.Dims[0];

    /// <summary>Input features (A's columns).</summary>
    public long InFeatures => A.Dims[1];

    /// <summary>Output features (B's rows).</summary>
    public long OutFeatures => B.Dims[0];

    /// <summary>Checks types and shapes: both Float, A [r, in], B [out, r] with the same r.</summary>
    /// <exception cref="UserError">Naming the weight and both shapes.</exception>
    public void Validate()
    {
        if (A.Type != DataType.Float || B.Type != DataType.Float || A.Dims.Length != 2 || B.Dims.Length != 2 || B.Dims[1] != A.Dims[0])
            throw new UserError($"LoRA factors of '{Weight}': A {A} and B {B} are not Float [r, in] and [out, r] with one rank r.");
    }
}
