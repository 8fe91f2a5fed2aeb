using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML.OnnxRuntimeGenAI;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Models;

namespace OnnxKto.Bench;

/// <summary>
/// KV-cache generation of one exported folder (preset gpt2-mini through <c>onnx-kto export</c>), batch 1 and 8:
/// prefill tokens/s (one call over 128-token prompts) and decode tokens/s (greedy, 64 new tokens), in our generator and
/// in ONNX Runtime GenAI 0.18 side by side. EOS is set to an id outside the vocabulary in both configs to the
/// last id, which random weights seldom pick; tokens/s counts the tokens each actually generated.
/// </summary>
internal static class GenerationBench
{
    private const int PromptLength = 128, NewTokens = 64;

    public static void Run(ModelSource source)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"onnxkto-bench-{Guid.NewGuid():N}");
        try
        {
            ModelExporter.Export(source, folder);
            NeverStop(folder, source.Config.VocabSize);
            using var model = InferenceModel.Open(folder, threads: Environment.ProcessorCount);
            using var genAi = new Model(folder);
            var generator = new TextGenerator(model);
            var random = new Random(2);
            Console.WriteLine($"Decoding, {source.Spec} exported, prompt {PromptLength}, {NewTokens} new tokens (greedy):");
            Console.WriteLine("| batch | OnnxKto prefill tokens/s | OnnxKto decode tokens/s | GenAI 0.18 prefill tokens/s | GenAI 0.18 decode tokens/s |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (int batch in new[] { 1, 8 })
            {
                var prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, PromptLength).Select(_ => random.Next(source.Config.VocabSize)).ToArray()).ToList();
                var ours = Ours(model, generator, prompts);
                var theirs = GenAi(genAi, prompts);
                Console.WriteLine($"| {batch} | {ours.Prefill:F0} | {ours.Decode:F0} | {theirs.Prefill:F0} | {theirs.Decode:F0} |");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (double Prefill, double Decode) Ours(InferenceModel model, TextGenerator generator, List<int[]> prompts)
    {
        int batch = prompts.Count;
        var ids = prompts.SelectMany(p => p).Select(t => (long)t).ToArray();
        var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
        var positions = InferenceModel.PositionsFromMask(mask, batch);
        generator.Generate(prompts, new GenerationOptions { MaxNewTokens = 4 }); // warm-up
        var clock = Stopwatch.StartNew();
        model.Step(ids, mask, positions, batch, null);
        double prefill = clock.Elapsed.TotalSeconds;
        // The first new tokens come from the prefill inside Generate; decoding is timed from the first of them.
        TimeSpan? decodeStart = null;
        clock.Restart();
        int generated = generator.Generate(prompts, new GenerationOptions { MaxNewTokens = NewTokens }, (_, _) => decodeStart ??= clock.Elapsed).Sum(o => o.Length);
        double decode = (clock.Elapsed - decodeStart!.Value).TotalSeconds;
        return (batch * PromptLength / prefill, (generated - batch) / decode);
    }

    private static (double Prefill, double Decode) GenAi(Model model, List<int[]> prompts)
    {
        int batch = prompts.Count;
        var tokens = prompts.SelectMany(p => p).ToArray();
        Run(4); // warm-up
        return Run(NewTokens);

        (double, double) Run(int newTokens)
        {
            using var parameters = new GeneratorParams(model);
            parameters.SetSearchOption("max_length", PromptLength + newTokens);
            parameters.SetSearchOption("batch_size", batch);
            parameters.SetSearchOption("do_sample", false);
            using var generator = new Generator(model, parameters);
            var clock = Stopwatch.StartNew();
            generator.AppendTokens(tokens);
            double prefill = clock.Elapsed.TotalSeconds;
            clock.Restart();
            while (!generator.IsDone()) generator.GenerateNextToken();
            double decode = clock.Elapsed.TotalSeconds;
            int generated = Enumerable.Range(0, batch).Sum(b => generator.GetSequence((ulong)b).Length - PromptLength);
            return (batch * PromptLength / prefill, (generated - batch) / decode);
        }
    }

    /// <summary>Points EOS of both configs at the last id (GenAI refuses one outside the vocabulary).</summary>
    private static void NeverStop(string folder, int vocab)
    {
        foreach (var (file, section) in new[] { ("config.json", (string?)null), ("genai_config.json", "model") })
        {
            var path = Path.Combine(folder, file);
            var json = JsonNode.Parse(File.ReadAllText(path))!;
            (section is null ? json : json[section]!)["eos_token_id"] = vocab - 1;
            File.WriteAllText(path, json.ToJsonString());
        }
    }
}
