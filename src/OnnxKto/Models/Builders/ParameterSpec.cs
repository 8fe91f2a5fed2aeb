namespace OnnxKto.Models.Builders;

/// <summary>How a preset (trained from scratch) initialises a parameter.</summary>
public enum ParameterInit
{
    /// <summary>Normal(0, std).</summary>
    Normal,
    /// <summary>All zeros (biases).</summary>
    Zeros,
    /// <summary>All ones (normalisation weights).</summary>
    Ones,
    /// <summary>
    /// PyTorch's <c>kaiming_uniform_(a=√5)</c>, as PEFT initialises LoRA's A: U(−1/√fan_in, 1/√fan_in) with fan_in the
    /// second dimension.
    /// </summary>
    KaimingUniform,
}

/// <summary>
/// One trainable tensor of a model: its Hugging Face name and shape, how presets initialise it, and whether
/// AdamW decays it (Hugging Face Trainer's rule: no decay on biases and normalisation weights).
/// </summary>
/// <param name="Name">Canonical Hugging Face name, e.g. <c>transformer.h.0.attn.c_attn.weight</c>.</param>
/// <param name="Shape">Fixed shape, e.g. [768, 2304].</param>
/// <param name="Init">Initialisation for presets.</param>
/// <param name="Std">Standard deviation for <see cref="ParameterInit.Normal"/>.</param>
/// <param name="Decay">Weight decay applies.</param>
public sealed record ParameterSpec(string Name, long[] Shape, ParameterInit Init, double Std, bool Decay)
{
    /// <summary>The product of <see cref="Shape"/>.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}
