using OnnxKto.Graphs;

namespace OnnxKto.Models.Lora;

/// <summary>
/// One trained adapter, ready to hand to an exporter: the base weight it changes (in the model's parameter naming), its
/// A [r, in] and B [out, r] values and the scale, so that the merged weight is W + Scaling·B·A (transposed onto GPT-2's
/// [in, out] Conv1D weights: see <see cref="LoraLayer.WeightIsOutIn"/>).
/// </summary>
/// <param name="Layer">The module, its shape and the tensor names.</param>
/// <param name="A">The down-projection, float32 [r, in].</param>
/// <param name="B">The up-projection, float32 [out, r].</param>
public sealed record LoraTarget(LoraLayer Layer, TensorData A, TensorData B)
{
    /// <summary>The base weight's name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</summary>
    public string BaseWeight => Layer.BaseWeight;

    /// <summary>α/r.</summary>
    public double Scaling => Layer.Scaling;
}
