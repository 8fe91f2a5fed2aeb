using OnnxKto.Graphs;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Tokenizers;

namespace OnnxKto.Models;

/// <summary>
/// Where a model comes from: a Hugging Face checkpoint folder, or <c>preset:NAME</c> initialised with a seed.
/// Holds its configuration and float32 weights, checked against the parameters the graph builder declares.
/// </summary>
/// <param name="Spec">The folder's full path, or <c>preset:NAME</c>.</param>
/// <param name="Config">The architecture.</param>
/// <param name="Weights">Every parameter by Hugging Face name.</param>
public sealed record ModelSource(string Spec, ModelConfig Config, IReadOnlyDictionary<string, TensorData> Weights)
{
    /// <summary>What loading noticed without stopping, e.g. a tied output head stored with other values than the embedding.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The floating-point type the checkpoint stores its weights in (the embedding's; <see cref="Weights"/> are float32
    /// either way): what <c>base_dtype: auto</c> keeps a LoRA base in. Float32 for presets.
    /// </summary>
    public DataType StoredType { get; init; } = DataType.Float;

    /// <summary>True for built-in presets (GPT-2 tokenizer, no folder).</summary>
    public bool IsPreset => Presets.IsPreset(Spec);

    /// <summary>Loads <paramref name="spec"/>; presets are initialised from <paramref name="seed"/>.</summary>
    /// <exception cref="InvalidDataException">A checkpoint missing a parameter, holding an unexpected one, or with a wrong shape.</exception>
    public static ModelSource Load(string spec, int seed = 42)
    {
        if (Presets.IsPreset(spec))
        {
            var config = Presets.Get(spec);
            var parameters = ModelBuilders.For(config).Build().Parameters;
            return new ModelSource(spec, config, ParameterInitializer.Initialize(parameters, seed));
        }
        var folder = CheckpointFolder.Load(spec);
        Validate(ModelBuilders.For(folder.Config).Build().Parameters, folder.Weights, folder.Directory);
        return new ModelSource(folder.Directory, folder.Config, folder.Weights) { Warnings = folder.Warnings, StoredType = folder.StoredType };
    }

    /// <summary>The model's tokenizer (the folder's files, or GPT-2's for presets).</summary>
    public ITextTokenizer Tokenizer() => ModelTokenizer.Load(Spec);

    /// <summary>
    /// Every parameter the builder declares must be present with its exact shape, and nothing else
    /// (like nanoGPT's from_pretrained, errors quote both names and shapes).
    /// </summary>
    public static void Validate(IReadOnlyList<ParameterSpec> parameters, IReadOnlyDictionary<string, TensorData> weights, string source)
    {
        var missing = parameters.Where(p => !weights.ContainsKey(p.Name)).Select(p => p.Name).ToList();
        var unexpected = weights.Keys.Except(parameters.Select(p => p.Name)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidDataException(
                $"{source}: the weights do not match the architecture: {parameters.Count} parameters expected, {weights.Count} found." +
                (missing.Count > 0 ? $" Missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}." : "") +
                (unexpected.Count > 0 ? $" Unexpected: {string.Join(", ", unexpected.Take(10))}{(unexpected.Count > 10 ? ", ..." : "")}." : ""));
        foreach (var p in parameters)
            if (!weights[p.Name].Dims.SequenceEqual(p.Shape))
                throw new InvalidDataException(
                    $"{source}: tensor '{p.Name}' has shape [{string.Join(", ", weights[p.Name].Dims)}], but config.json implies [{string.Join(", ", p.Shape)}].");
    }
}
