namespace OnnxKto.Training.Losses;

/// <summary>The training objectives, by their config names (<c>loss_type</c>).</summary>
public enum LossType
{
    /// <summary><c>kto</c>: TRL's default KTO loss with the KL reference point z0.</summary>
    Kto,

    /// <summary><c>apo_zero_unpaired</c>: KTO without z0 (no KL pass).</summary>
    ApoZeroUnpaired,

    /// <summary><c>sft</c>: mean token cross-entropy over completion tokens, for the supervised stage before KTO.</summary>
    Sft,

    /// <summary><c>dpo</c>: TRL's DPO (<c>loss_type: sigmoid</c>) on paired data (prompt, chosen, rejected), a baseline.</summary>
    Dpo,

    /// <summary><c>bco</c>: TRL's BCO (binary classifier on β·r − δ, δ a running mean of the rewards), without UDM, a baseline.</summary>
    Bco,
}

/// <summary>Config names of <see cref="LossType"/> values.</summary>
internal static class LossTypeNames
{
    /// <summary>The <c>loss_type</c> spelling, e.g. <c>apo_zero_unpaired</c>.</summary>
    public static string ToConfigName(this LossType type) => type switch
    {
        LossType.Kto => "kto",
        LossType.ApoZeroUnpaired => "apo_zero_unpaired",
        LossType.Sft => "sft",
        LossType.Dpo => "dpo",
        LossType.Bco => "bco",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
