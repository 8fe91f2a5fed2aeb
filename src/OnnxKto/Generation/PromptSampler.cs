using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;

namespace OnnxKto.Generation;

/// <summary>
/// Completes every row of a prompt file <see cref="GenerationOptions.NumReturnSequences"/> times and writes one JSONL
/// line per (row, sample), in row order: the row's columns unchanged, then <c>completion</c> (text, or for a
/// conversational prompt one assistant message, as TRL's conversational format has it), <c>completion_ids</c> (the
/// sampled ids, EOS excluded) and <c>sample</c> (0..N−1). The completion's text is the continuation of the prompt that
/// the ids decode to (<see cref="SampledCompletion"/>), so training re-reads the row as the tokens that were sampled.
/// A <c>label</c> column is left out, since it judged another completion; <c>onnx-kto label</c> adds the new one.
/// </summary>
public static class PromptSampler
{
    /// <summary>The columns written for each sample, replacing any of the same name in the row.</summary>
    private static readonly HashSet<string> Written = new(StringComparer.Ordinal) { "completion", "completion_ids", "sample", "label" };

    /// <summary>Samples <paramref name="rows"/> with <paramref name="model"/> and writes the lines to <paramref name="path"/>.</summary>
    /// <param name="model">The policy to sample.</param>
    /// <param name="rows">Rows from <see cref="PromptDataset.Load"/>.</param>
    /// <param name="template">Chat template for conversational prompts; null when every prompt is text.</param>
    /// <param name="options">Sampling, stopping and samples per row.</param>
    /// <param name="batchSize">Sequences decoded together, e.g. 8.</param>
    /// <param name="path">The <c>.jsonl</c> file to write (replaced).</param>
    /// <param name="progress">Called with (lines written, lines in all) now and then.</param>
    /// <returns>The number of lines written.</returns>
    /// <exception cref="UserError">A conversational prompt and no chat template, or a prompt too long for the model.</exception>
    public static int Write(InferenceModel model, IReadOnlyList<PromptRow> rows, ChatTemplate? template, GenerationOptions options,
        int batchSize, string path, Action<int, int>? progress = null)
    {
        var prompts = rows.Select(r => Prompt.FromRow(r, model.Tokenizer, template)).ToList();
        var generator = new TextGenerator(model);
        int samples = options.NumReturnSequences, total = rows.Count * samples, written = 0, every = Math.Max(1, total / 10);
        // Sequences finish out of order; each waits here until those before it are written.
        var finished = new Dictionary<int, int[]>();
        using var lines = JsonLinesWriter.Create(path);
        generator.Generate(prompts.Select(p => p.Ids).ToList(), options, batchSize, sequence =>
        {
            finished[sequence.Prompt * samples + sequence.Sample] = sequence.Ids;
            while (finished.Remove(written, out var ids))
            {
                var row = rows[written / samples];
                var completion = generator.Completion(prompts[written / samples].Ids, ids, options);
                int sample = written % samples;
                lines.WriteObject(json => WriteLine(json, row, completion, sample));
                if (++written % every == 0 || written == total) progress?.Invoke(written, total);
            }
        });
        return written;
    }

    private static void WriteLine(Utf8JsonWriter json, PromptRow row, SampledCompletion completion, int sample)
    {
        foreach (var (name, value) in row.Columns)
        {
            if (Written.Contains(name)) continue;
            json.WritePropertyName(name);
            if (value is null) json.WriteNullValue();
            else value.WriteTo(json);
        }
        if (row.Messages is null) json.WriteString("completion", completion.Text);
        else
        {
            json.WriteStartArray("completion");
            json.WriteStartObject();
            json.WriteString("role", "assistant");
            json.WriteString("content", completion.Text);
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteStartArray("completion_ids");
        foreach (var id in completion.Ids) json.WriteNumberValue(id);
        json.WriteEndArray();
        json.WriteNumber("sample", sample);
    }
}
