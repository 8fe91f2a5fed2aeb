using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Losses;

namespace OnnxKto.Training.Loop;

/// <summary>The loop's data step: a data file read, shaped and logged as the loss needs it (pairs for a paired loss).</summary>
internal static class TrainingDataLoader
{
    /// <summary>Reads and shapes <paramref name="path"/> with the config's data settings and the model's chat template.</summary>
    /// <exception cref="InvalidDataException">No usable examples (no complete pairs for a paired loss) after shaping.</exception>
    public static TrainingData Load(string path, KtoConfig config, TrainingLoss loss, ArtifactManifest manifest, ITextTokenizer tokenizer, Action<string> log)
    {
        var data = config.Data;
        var template = ChatTemplateCatalog.Resolve(data.ChatTemplate, manifest.Model);
        // Label balance only matters to a loss that weighs labels; supervised data carries labels it does not read, and
        // pairs are balanced by construction. Auto weights balance the counts exactly, so only given weights get advice.
        var settings = config.Loss;
        var adviseFor = !loss.WeighsLabels || settings.AutoWeights ? null : new LabelWeights(settings.DesirableWeight!.Value, settings.UndesirableWeight!.Value);
        var shaped = KtoDataShaper.Shape(KtoDataset.Load(path, data, keepPairs: loss.Paired), tokenizer, data, template, adviseFor);
        var report = shaped.Report;
        log($"data {path}: {report.RowsRead} rows, {shaped.Examples.Count} examples ({report.Labels.Desirable} desirable, " +
            $"{report.Labels.Undesirable} undesirable), {report.DroppedPromptTooLong} dropped (prompt too long), " +
            $"{report.CompletionsTruncated} completions truncated");
        foreach (var warning in report.Warnings) log($"warning: {warning}");
        if (shaped.Examples.Count == 0)
            throw new InvalidDataException($"{path}: no usable examples after shaping{(loss.Paired ? " (no complete preference pairs)" : "")}.");
        return new TrainingData(shaped.Examples, shaped.Pairs);
    }
}
