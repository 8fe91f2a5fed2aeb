namespace OnnxKto.Models.Lora;

/// <summary>
/// One linear module with a LoRA adapter, as the graph builder declared it: y = W·x + <see cref="Scaling"/>·B·(A·x).
/// Parameter names are the module's Hugging Face path plus PEFT's suffixes, so the PEFT name of each is
/// <c>base_model.model.</c> + the name.
/// </summary>
/// <param name="Module">Hugging Face module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</param>
/// <param name="InFeatures">Input features of the module.</param>
/// <param name="OutFeatures">Output features of the module.</param>
/// <param name="WeightIsOutIn">True for PyTorch Linear's [out, in] base weight; false for GPT-2's Conv1D, stored [in, out] (PEFT's <c>fan_in_fan_out</c>).</param>
/// <param name="Scaling">α/r.</param>
public sealed record LoraLayer(string Module, long InFeatures, long OutFeatures, bool WeightIsOutIn, double Scaling)
{
    /// <summary>The base weight the adapter adds to, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</summary>
    public string BaseWeight => $"{Module}.weight";

    /// <summary>The down-projection A [r, in]: <c>&lt;module&gt;.lora_A.weight</c>.</summary>
    public string A => $"{Module}.lora_A.weight";

    /// <summary>The up-projection B [out, r]: <c>&lt;module&gt;.lora_B.weight</c>.</summary>
    public string B => $"{Module}.lora_B.weight";

    /// <summary>Whether <paramref name="parameter"/> is the A or B of some adapter.</summary>
    public static bool IsAdapterParameter(string parameter) =>
        parameter.EndsWith(".lora_A.weight", StringComparison.Ordinal) || parameter.EndsWith(".lora_B.weight", StringComparison.Ordinal);
}
