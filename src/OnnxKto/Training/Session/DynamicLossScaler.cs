using System.Globalization;

namespace OnnxKto.Training.Session;

/// <summary>
/// Dynamic loss scaling for float16 training, with the schedule of PyTorch's <c>torch.amp.GradScaler</c>
/// (<c>_amp_update_scale_</c>): the loss is multiplied by the scale S before the backward, so small float16 gradients do
/// not flush to zero, and the gradients are divided by S again before the optimizer. An update whose gradients
/// overflowed (a non-finite norm) is skipped and S halves; after <see cref="GrowthInterval"/> good updates in a row S doubles.
/// </summary>
/// <remarks>
/// Scales stay powers of two, so multiplying by S and by 1/S is exact. The state (S and the run of good updates)
/// travels in the checkpoint's metadata, so a resumed run continues with the same scale.
/// </remarks>
internal sealed class DynamicLossScaler
{
    /// <summary>GradScaler's <c>init_scale</c>: 2¹⁶.</summary>
    public const double InitialScale = 65536;

    /// <summary>GradScaler's <c>growth_factor</c>.</summary>
    public const double GrowthFactor = 2;

    /// <summary>GradScaler's <c>backoff_factor</c>.</summary>
    public const double BackoffFactor = 0.5;

    /// <summary>GradScaler's <c>growth_interval</c>: good updates in a row before the scale grows.</summary>
    public const int GrowthInterval = 2000;

    /// <summary>Checkpoint metadata key of <see cref="Scale"/>.</summary>
    public const string ScaleKey = "loss_scale";

    /// <summary>Checkpoint metadata key of <see cref="GoodSteps"/> (GradScaler's <c>_growth_tracker</c>).</summary>
    public const string GoodStepsKey = "loss_scale_good_steps";

    /// <summary>A scaler at <paramref name="scale"/> with <paramref name="goodSteps"/> good updates since the last change.</summary>
    public DynamicLossScaler(double scale = InitialScale, int goodSteps = 0)
    {
        if (!(scale > 0) || !double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), scale, "The loss scale must be positive and finite.");
        ArgumentOutOfRangeException.ThrowIfNegative(goodSteps);
        Scale = scale;
        GoodSteps = goodSteps;
    }

    /// <summary>The current scale S: the loss is multiplied by it, the gradients by 1/S.</summary>
    public double Scale { get; private set; }

    /// <summary>Good updates since the scale last changed.</summary>
    public int GoodSteps { get; private set; }

    /// <summary>
    /// Records one optimizer update: an overflow (<paramref name="gradientsFinite"/> false; the update was skipped)
    /// halves the scale and restarts the count; the <see cref="GrowthInterval"/>-th good update in a row doubles it.
    /// </summary>
    public void Update(bool gradientsFinite)
    {
        if (!gradientsFinite)
        {
            Scale *= BackoffFactor;
            GoodSteps = 0;
        }
        else if (++GoodSteps == GrowthInterval)
        {
            Scale *= GrowthFactor;
            GoodSteps = 0;
        }
    }

    /// <summary>The state as checkpoint metadata entries.</summary>
    public IReadOnlyDictionary<string, string> ToMetadata() => new Dictionary<string, string>
    {
        [ScaleKey] = Scale.ToString("R", CultureInfo.InvariantCulture),
        [GoodStepsKey] = GoodSteps.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The scaler a checkpoint saved, or a fresh one when it saved none (the artifacts' initial checkpoint).</summary>
    /// <exception cref="InvalidDataException">The entries are there but are not numbers.</exception>
    public static DynamicLossScaler FromMetadata(IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(ScaleKey, out var scale)) return new DynamicLossScaler();
        if (!double.TryParse(scale, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) || !(s > 0) || !double.IsFinite(s)
            || !int.TryParse(metadata.GetValueOrDefault(GoodStepsKey, "0"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var good) || good < 0)
            throw new InvalidDataException(
                $"The checkpoint's loss scaler state is unreadable ({ScaleKey}: '{scale}', {GoodStepsKey}: '{metadata.GetValueOrDefault(GoodStepsKey)}'); " +
                "it should hold a positive number and a count.");
        return new DynamicLossScaler(s, good);
    }
}
