namespace OnnxKto.Data;

/// <summary>
/// The <c>chat_template_kwargs</c> config value: extra variables for a model folder's Jinja chat template, as
/// transformers' <c>apply_chat_template(**kwargs)</c> takes them, e.g. <c>{enable_thinking: false}</c>. Two values
/// are equal when they hold the same names and values.
/// </summary>
/// <param name="Values">Names to scalar values (bool, long, double, string or null).</param>
public sealed record ChatTemplateKwargs(IReadOnlyDictionary<string, object?> Values)
{
    /// <summary>No extra variables.</summary>
    public static ChatTemplateKwargs None { get; } = new(new Dictionary<string, object?>());

    /// <inheritdoc/>
    public bool Equals(ChatTemplateKwargs? other) =>
        other is not null && Values.Count == other.Values.Count
        && Values.All(kv => other.Values.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v));

    /// <inheritdoc/>
    public override int GetHashCode() => Values.Count;
}
