using OnnxKto.Data.Labelling;

namespace OnnxKto.Cli.Demo;

/// <summary>A completion sampled for a prompt, and the verifier's verdict on it.</summary>
internal sealed record LabelledSample(string Prompt, string Completion, bool Correct)
{
    /// <summary>
    /// The rows of a file <c>onnx-kto label</c> wrote, in order, but those whose sample ended at once: an empty
    /// completion, which a KTO dataset row cannot hold (<c>online</c> skips them in training the same way).
    /// </summary>
    public static IReadOnlyList<LabelledSample> Load(string path) =>
        SampleRow.Load(path)
            .Select(r => new LabelledSample(r.Columns["prompt"]!.GetValue<string>(), r.CompletionText, r.Columns["label"]!.GetValue<bool>()))
            .Where(s => s.Completion.Length > 0).ToList();
}
