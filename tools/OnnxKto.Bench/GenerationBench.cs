using System.Diagnostics;
using OnnxKto.Generation;
using OnnxKto.Models;

namespace OnnxKto.Bench;

/// <summary>
/// KV-cache generation for preset gpt2-mini, batch 1 and 8: prefill tokens/s (one call over 128-token prompts) and
/// decode tokens/s (greedy, 64 new tokens; EOS disabled so every row runs to the end).
/// </summary>
internal static class GenerationBench
{
    public static void Run(ModelSource source)
    {
        const int promptLength = 128, newTokens = 64;
        using var model = InferenceModel.FromSource(source with { Config = source.Config with { EosTokenId = -1 } }, threads: Environment.ProcessorCount);
        var generator = new TextGenerator(model);
        var random = new Random(2);
        foreach (int batch in new[] { 1, 8 })
        {
            var prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, promptLength).Select(_ => random.Next(source.Config.VocabSize)).ToArray()).ToList();
            var ids = prompts.SelectMany(p => p).Select(t => (long)t).ToArray();
            var mask = Enumerable.Repeat(1L, ids.Length).ToArray();
            var positions = InferenceModel.PositionsFromMask(mask, batch);
            model.Step(ids, mask, positions, batch, null); // warm-up
            var clock = Stopwatch.StartNew();
            model.Step(ids, mask, positions, batch, null);
            double prefill = clock.Elapsed.TotalSeconds;

            clock.Restart();
            generator.Generate(prompts, new GenerationOptions { MaxNewTokens = newTokens });
            // The first new token comes from the prefill; the others each cost one decode step.
            double decode = clock.Elapsed.TotalSeconds - prefill;
            Console.WriteLine($"generate {source.Spec}, batch {batch}, prompt {promptLength}: prefill {batch * promptLength / prefill:F0} tokens/s ({prefill * 1e3:F0} ms), " +
                              $"decode {(newTokens - 1) * batch / decode:F0} tokens/s ({decode / (newTokens - 1) * 1e3:F1} ms per step)");
        }
    }
}
