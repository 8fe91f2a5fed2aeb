using System.Text.Json;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint folder loaded into memory: <c>config.json</c> plus the weights of <c>model.safetensors</c>
/// or of the shards listed in <c>model.safetensors.index.json</c>, as float32 tensors keyed by canonical Hugging Face
/// LM-head-model names (<c>transformer.h.0.attn.c_attn.weight</c>, <c>model.layers.0.self_attn.q_proj.weight</c>).
/// </summary>
/// <remarks>
/// Weights keep their stored layout (GPT-2's Conv1D weights stay [in, out]). A tied output head is never in
/// <see cref="Weights"/>: builders reuse the embedding. Non-parameter buffers (GPT-2 causal masks, rotary
/// <c>inv_freq</c>) are skipped.
/// </remarks>
internal sealed class CheckpointFolder
{
    private CheckpointFolder(string directory, ModelConfig config, Dictionary<string, TensorData> weights, List<string> warnings)
    {
        Directory = directory;
        Config = config;
        Weights = weights;
        Warnings = warnings;
    }

    /// <summary>Full path of the folder.</summary>
    public string Directory { get; }

    /// <summary>The folder's <c>config.json</c>, mapped by <see cref="HfConfig"/>.</summary>
    public ModelConfig Config { get; }

    /// <summary>Float32 parameters by canonical name.</summary>
    public IReadOnlyDictionary<string, TensorData> Weights { get; }

    /// <summary>Things worth telling the user that did not stop loading, e.g. a tied head that differed from the embedding.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Loads config and weights from <paramref name="directory"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">Neither <c>model.safetensors</c> nor <c>model.safetensors.index.json</c> (or a listed shard) exists.</exception>
    /// <exception cref="InvalidDataException">
    /// A malformed config, index or safetensors file; a shard path leaving the folder; a tensor stored twice, missing
    /// from its shard or not floating point; a missing embedding, or a missing output head when embeddings are not tied.
    /// </exception>
    /// <exception cref="NotSupportedException">The config describes an architecture OnnxKto does not build.</exception>
    public static CheckpointFolder Load(string directory)
    {
        string root = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(root))
            throw new DirectoryNotFoundException($"Checkpoint folder '{root}' does not exist.");
        var config = HfConfig.Load(Path.Combine(root, ModelFiles.Config));
        var warnings = new List<string>();
        var weights = new Dictionary<string, TensorData>(StringComparer.Ordinal);

        foreach (var (file, names) in ShardPlan(root))
        {
            using var safetensors = SafetensorsFile.Open(file);
            foreach (string stored in names ?? safetensors.TensorNames)
            {
                if (!safetensors.Contains(stored))
                    throw new InvalidDataException($"{Path.Combine(root, ModelFiles.WeightsIndex)} maps tensor '{stored}' to '{file}', which does not contain it.");
                string? name = CanonicalNames.Canonicalize(stored, config.Family);
                if (name is null)
                    continue;
                var tensor = safetensors.Read(stored);
                if (tensor.Type != DataType.Float)
                    throw new InvalidDataException($"{file}: tensor '{stored}' is {safetensors.GetInfo(stored).Dtype}; model weights must be F32, F16 or BF16.");
                if (!weights.TryAdd(name, tensor))
                    throw new InvalidDataException($"{file}: tensor '{stored}' is stored twice in '{root}' (as '{name}' and under another spelling); remove one copy.");
            }
        }
        ResolveOutputHead(root, config, weights, warnings);
        return new CheckpointFolder(root, config, weights, warnings);
    }

    /// <summary>Which files to read, each with the stored names to take from it (null: all of them).</summary>
    private static IEnumerable<(string File, IReadOnlyList<string>? Names)> ShardPlan(string root)
    {
        string single = Path.Combine(root, ModelFiles.Weights);
        if (File.Exists(single))
            return [(single, null)];
        string index = Path.Combine(root, ModelFiles.WeightsIndex);
        if (!File.Exists(index))
            throw new FileNotFoundException(
                $"Checkpoint folder '{root}' has no weights: looked for {ModelFiles.Weights} and {ModelFiles.WeightsIndex}. " +
                "PyTorch .bin checkpoints are not read; convert them to safetensors first.", single);

        var weightMap = JsonFields.Load(index).OptionalObject("weight_map")
            ?? throw new InvalidDataException($"{index}: required key 'weight_map' (tensor name → shard file) is missing.");
        var byShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var entry in weightMap.Properties)
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw weightMap.WrongType(entry.Name, "a shard file name", entry.Value);
            string shard = InsideFolder(root, entry.Value.GetString()!, index, entry.Name);
            if (!byShard.TryGetValue(shard, out var names))
                byShard[shard] = names = [];
            names.Add(entry.Name);
        }
        return byShard.Select(kv => (kv.Key, (IReadOnlyList<string>?)kv.Value));
    }

    /// <summary>The full path of <paramref name="shard"/>, refusing any path (or link target) outside the folder.</summary>
    private static string InsideFolder(string root, string shard, string index, string tensor)
    {
        string prefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(root, shard));
        string? target = File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName : null;
        if (Path.IsPathRooted(shard) || !full.StartsWith(prefix, StringComparison.Ordinal)
            || (target is not null && !target.StartsWith(prefix, StringComparison.Ordinal)))
            throw new InvalidDataException($"{index}: tensor '{tensor}' names shard '{shard}', which lies outside the checkpoint folder; shard paths must be relative names inside '{root}'.");
        if (!File.Exists(full))
            throw new FileNotFoundException($"{index}: tensor '{tensor}' names shard '{shard}', which does not exist in '{root}'.", full);
        return full;
    }

    private static void ResolveOutputHead(string root, ModelConfig config, Dictionary<string, TensorData> weights, List<string> warnings)
    {
        string embeddingName = CanonicalNames.Embedding(config.Family);
        if (!weights.TryGetValue(embeddingName, out var embedding))
            throw new InvalidDataException($"Checkpoint folder '{root}' has no token embedding '{embeddingName}'; is config.json's model_type '{config.ModelType}' right for these weights?");
        bool hasHead = weights.TryGetValue(CanonicalNames.LmHead, out var head);
        if (!config.TieWordEmbeddings)
        {
            if (!hasHead)
                throw new InvalidDataException($"Checkpoint folder '{root}' has no '{CanonicalNames.LmHead}' although config.json sets tie_word_embeddings false; set it true if the head shares the embedding.");
            return;
        }
        if (!hasHead)
            return;
        if (!head!.ContentEquals(embedding))
            warnings.Add($"'{CanonicalNames.LmHead}' {head} differs from '{embeddingName}' {embedding} although embeddings are tied; the embedding is used for both.");
        weights.Remove(CanonicalNames.LmHead);
    }
}
