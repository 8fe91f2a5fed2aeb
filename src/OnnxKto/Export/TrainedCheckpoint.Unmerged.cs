using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Lora;

namespace OnnxKto.Export;

internal static partial class TrainedCheckpoint
{
    /// <summary>
    /// A LoRA run's base model and its adapter, not merged (to serve the adapter on its own): the base weights with the
    /// <c>lora_modules_to_save</c> at their trained values, and the adapter; for a full run, the model and null.
    /// </summary>
    /// <param name="path">A run folder, <c>RUN/checkpoint-N</c>, or a checkpoint file.</param>
    /// <exception cref="InvalidDataException">As for <see cref="Load"/>.</exception>
    public static (ModelSource Base, LoraAdapter? Adapter) LoadUnmerged(string path)
    {
        var (file, manifest, weights) = Read(path);
        var adapter = Adapter(manifest, weights);
        var model = weights.Where(w => !LoraLayer.IsAdapterParameter(w.Key)).ToDictionary(w => w.Key, w => w.Value, StringComparer.Ordinal);
        ModelSource.Validate(ModelBuilders.For(manifest.ModelConfig).Build().Parameters, model, file);
        return (new ModelSource(manifest.Model, manifest.ModelConfig, model), adapter);
    }
}
