namespace OnnxKto.Training.Batching;

/// <summary>The order examples are visited in each epoch, by config name (<c>train_sampling_strategy</c>).</summary>
public enum SamplingStrategy
{
    /// <summary><c>random</c> (our default): one seeded shuffle per epoch.</summary>
    Random,

    /// <summary><c>sequential</c>: the dataset's order every epoch (TRL's order).</summary>
    Sequential,
}

/// <summary>Config names of <see cref="SamplingStrategy"/> values.</summary>
internal static class SamplingStrategyNames
{
    /// <summary>The <c>train_sampling_strategy</c> spelling, e.g. <c>sequential</c>.</summary>
    public static string ToConfigName(this SamplingStrategy strategy) => strategy switch
    {
        SamplingStrategy.Random => "random",
        SamplingStrategy.Sequential => "sequential",
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };
}
