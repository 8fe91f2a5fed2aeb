using OnnxKto.Models.Lora;

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
        ModelFamily.Gemma => new GemmaBuilder(config),
        ModelFamily.Phi3 => new Phi3Builder(config),
        _ => throw new NotSupportedException($"No graph builder for family {config.Family}."),
    };

    /// <summary>The modules <paramref name="settings"/> put adapters on in <paramref name="config"/>'s model (empty without use_peft).</summary>
    /// <exception cref="UserError">The settings do not fit the model (see <see cref="LoraModules.Check"/>).</exception>
    internal static IReadOnlyList<LoraLayer> LoraLayers(ModelConfig config, LoraSettings settings) =>
        settings.UsePeft ? For(config).Build(new DecoderOptions { Lora = settings }).LoraLayers : [];
}
