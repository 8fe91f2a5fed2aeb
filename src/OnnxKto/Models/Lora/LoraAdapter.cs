using OnnxKto.Graphs;

namespace OnnxKto.Models.Lora;

/// <summary>
/// A trained LoRA adapter: its settings, each adapted module's A and B (<see cref="LoraTarget"/>: what a serving
/// exporter needs), and the modules trained in full (<c>lora_modules_to_save</c>) by parameter name.
/// </summary>
/// <param name="Settings">The settings it was trained with.</param>
/// <param name="Targets">The adapted modules, in the model's declaration order.</param>
/// <param name="SavedModules">Parameters of <c>lora_modules_to_save</c> at their trained values, by Hugging Face name.</param>
public sealed record LoraAdapter(LoraSettings Settings, IReadOnlyList<LoraTarget> Targets, IReadOnlyDictionary<string, TensorData> SavedModules)
{
    /// <summary>The adapter in <paramref name="weights"/> (a LoRA model's parameters) for the layers <paramref name="layers"/> declare.</summary>
    /// <exception cref="InvalidDataException">An adapter tensor is missing.</exception>
    public static LoraAdapter From(LoraSettings settings, IReadOnlyList<LoraLayer> layers, IReadOnlyDictionary<string, TensorData> weights)
    {
        TensorData Get(string name) => weights.TryGetValue(name, out var t) ? t
            : throw new InvalidDataException($"The LoRA weights have no tensor '{name}'.");
        var targets = layers.Select(l => new LoraTarget(l, Get(l.A), Get(l.B))).ToList();
        var saved = weights.Where(w => !LoraLayer.IsAdapterParameter(w.Key) && LoraModules.IsSaved(settings, w.Key))
            .ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        return new LoraAdapter(settings, targets, saved);
    }

    /// <summary>
    /// The base model's weights with the adapter merged in (PEFT's <c>merge_and_unload</c>): W' = W + (α/r)·B·A, added
    /// as (B·A)ᵀ onto [in, out] Conv1D weights, computed in float64; saved modules take their trained values; the
    /// adapter tensors are left out.
    /// </summary>
    /// <param name="weights">Every base parameter (adapter tensors may be present too; they are dropped).</param>
    public Dictionary<string, TensorData> Merge(IReadOnlyDictionary<string, TensorData> weights)
    {
        var merged = weights.Where(w => !LoraLayer.IsAdapterParameter(w.Key)).ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        foreach (var (name, value) in SavedModules) merged[name] = value;
        foreach (var t in Targets)
        {
            var layer = t.Layer;
            var w = merged[layer.BaseWeight].ToFloats();
            var (a, b) = (t.A.ToFloats(), t.B.ToFloats());
            int r = (int)t.A.Dims[0], n = (int)layer.InFeatures, m = (int)layer.OutFeatures;
            var result = new float[w.Length];
            for (int o = 0; o < m; o++)
                for (int i = 0; i < n; i++)
                {
                    double delta = 0;
                    for (int k = 0; k < r; k++) delta += (double)b[o * r + k] * a[k * n + i];
                    int at = layer.WeightIsOutIn ? o * n + i : i * m + o;
                    result[at] = (float)(w[at] + layer.Scaling * delta);
                }
            merged[layer.BaseWeight] = TensorData.FromFloats(merged[layer.BaseWeight].Dims, result);
        }
        return merged;
    }
}
