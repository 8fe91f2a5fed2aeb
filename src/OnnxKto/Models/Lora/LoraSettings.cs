namespace OnnxKto.Models.Lora;

/// <summary>
/// LoRA adapters as TRL's <c>ModelConfig</c> spells them (<c>use_peft</c>, <c>lora_r</c>, <c>lora_alpha</c>,
/// <c>lora_dropout</c>, <c>lora_target_modules</c>, <c>lora_modules_to_save</c>), with PEFT's semantics: each targeted
/// linear computes y = W·x + (α/r)·B·(A·x), A [r, in] Kaiming-uniform (a = √5, seeded), B [out, r] zero, so the initial
/// model is the base; the base is frozen and the reference model is the base with the adapter off. Baked into the
/// artifacts. Two settings are equal when their values and lists are, in order.
/// </summary>
public sealed record LoraSettings
{
    /// <summary>The module name PEFT reads as "every linear layer except the output head".</summary>
    public const string AllLinear = "all-linear";

    /// <summary><c>use_peft</c>: train LoRA adapters instead of the whole model. Example: true.</summary>
    public bool UsePeft { get; init; }

    /// <summary><c>lora_r</c>: the adapters' rank r (TRL's default 16). Example: 8.</summary>
    public int R { get; init; } = 16;

    /// <summary><c>lora_alpha</c>: α; the adapter's output is scaled by α/r (TRL's default 32). Example: 16.</summary>
    public double Alpha { get; init; } = 32;

    /// <summary>
    /// <c>lora_dropout</c>: dropout on the adapter's input. Only 0 is supported (TRL's default is 0.05); a positive value
    /// is refused when the artifacts are made. Example: 0.
    /// </summary>
    public double Dropout { get; init; }

    /// <summary>
    /// <c>lora_target_modules</c>: the linear modules that get adapters, matched as PEFT does, by the module name or a
    /// dotted suffix of its path (<c>q_proj</c>, <c>attn.c_proj</c>), or <see cref="AllLinear"/>. Empty: PEFT's default
    /// for the architecture (<c>c_attn</c> for GPT-2, <c>q_proj</c> and <c>v_proj</c> for the Llama family).
    /// Example: <c>["q_proj", "k_proj", "v_proj", "o_proj"]</c>.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>
    /// <c>lora_modules_to_save</c>: modules (by name or dotted path suffix) trained in full besides the adapters, saved
    /// with them. Example: <c>["lm_head"]</c>.
    /// </summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];

    /// <summary>
    /// <c>base_dtype</c>: the element type the frozen base is kept in (<see cref="Lora.BaseDtype"/>); needs
    /// <see cref="UsePeft"/> unless <see cref="BaseDtype.Auto"/>. Example: <c>bfloat16</c>.
    /// </summary>
    public BaseDtype BaseDtype { get; init; }

    /// <summary>The adapter's output scale α/r.</summary>
    public double Scaling => Alpha / R;

    /// <summary>Whether PEFT's matching rule selects the module at path <paramref name="module"/> for <paramref name="name"/>: equal, or a dotted suffix.</summary>
    internal static bool Matches(string module, string name) => module == name || module.EndsWith("." + name, StringComparison.Ordinal);

    /// <inheritdoc/>
    public bool Equals(LoraSettings? other) =>
        other is not null && UsePeft == other.UsePeft && R == other.R && Alpha.Equals(other.Alpha) && Dropout.Equals(other.Dropout)
        && TargetModules.SequenceEqual(other.TargetModules) && ModulesToSave.SequenceEqual(other.ModulesToSave) && BaseDtype == other.BaseDtype;

    /// <inheritdoc/>
    public override int GetHashCode() =>
        HashCode.Combine(UsePeft, R, Alpha, Dropout, string.Join("\n", TargetModules), string.Join("\n", ModulesToSave), BaseDtype);
}
