namespace OnnxKto.Training.Artifacts;

/// <summary>
/// Which parameters train (OnnxKto's <c>trainable</c> and <c>frozen</c> keys); baked into the training graphs.
/// Two selections are equal when their patterns are, in order.
/// </summary>
public sealed record ParameterSelection
{
    /// <summary><c>trainable</c>: regular expressions over parameter names; empty trains all. Example: <c>["h\\.3\\."]</c>.</summary>
    public IReadOnlyList<string> Trainable { get; init; } = [];

    /// <summary><c>frozen</c>: regular expressions over parameter names kept fixed. Example: <c>["wte|wpe"]</c>.</summary>
    public IReadOnlyList<string> Frozen { get; init; } = [];

    /// <inheritdoc/>
    public bool Equals(ParameterSelection? other) =>
        other is not null && Trainable.SequenceEqual(other.Trainable) && Frozen.SequenceEqual(other.Frozen);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(string.Join("\n", Trainable), string.Join("\n", Frozen));
}
