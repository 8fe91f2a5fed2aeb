namespace OnnxKto.Models.Builders;

/// <summary>Chooses the builder for a configuration's architecture family.</summary>
public static class ModelBuilders
{
    /// <summary>The builder for <paramref name="config"/>'s <see cref="ModelConfig.Family"/>.</summary>
    /// <exception cref="NotSupportedException">For a family without a builder.</exception>
    public static DecoderBuilder For(ModelConfig config) => config.Family switch
    {
        ModelFamily.Gpt2 => new Gpt2Builder(config),
        ModelFamily.Llama => new LlamaBuilder(config),
        _ => throw new NotSupportedException($"No graph builder for family {config.Family}."),
    };
}
