using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Builders.Rope;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Generation;

[TestClass]
public sealed class TextGeneratorTests
{
    private static readonly int[][] Prompts = [[1, 5, 9, 2], [7], [3, 8]];

    [TestMethod]
    [DynamicData(nameof(TinyModels.Architectures), typeof(TinyModels))]
    public void CachedGreedyDecodingOfALeftPaddedBatchEqualsFullRecomputation(string architecture)
    {
        // No EOS: every step is compared; 4 + 6 tokens run past the 3-token sliding windows.
        var config = WithoutLongRopeSwitch(TinyModels.ByName(architecture) with { EosTokenId = 99 });
        var (model, weights) = Open(config, seed: 7);
        using var _ = model;

        var generated = new TextGenerator(model).Generate(Prompts, new GenerationOptions { MaxNewTokens = 6 });

        for (int p = 0; p < Prompts.Length; p++)
            CollectionAssert.AreEqual(ReferenceGreedy(config, weights, Prompts[p], 6), generated[p], $"prompt {p}");
    }

    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    public void OneCachedStepGivesTheLogitsOfTheWholeSequence(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        var (model, weights) = Open(config, seed: 8);
        using var _ = model;
        long[] sequence = [4, 2, 7, 1, 9];
        var prefix = sequence[..4];
        var (_, cache) = model.Step(prefix, [1, 1, 1, 1], [0, 1, 2, 3], 1, null);
        var step = model.Step([sequence[4]], [1, 1, 1, 1, 1], [4], 1, cache).Logits.ToFloats();

        var full = Reference(config, weights, sequence);
        for (int v = 0; v < config.VocabSize; v++)
            Assert.AreEqual(full[4 * config.VocabSize + v], step[v], 1e-4, $"logit {v}");
    }

    [TestMethod]
    public void GenerationStopsAtEosOrMaxNewTokensAndStreamsEveryToken()
    {
        var config = TinyModels.Gpt2 with { EosTokenId = 99 };
        var (model, weights) = Open(config, seed: 7);
        using var _ = model;
        var unbounded = ReferenceGreedy(config, weights, Prompts[0], 5);
        // Declare the third greedy token the EOS: generation must stop before it.
        var eos = unbounded[2];
        var (withEos, _) = Open(config with { EosTokenId = eos }, seed: 7);
        using (withEos)
        {
            var streamed = new List<(int, int)>();
            var outputs = new TextGenerator(withEos).Generate([Prompts[0]], new GenerationOptions { MaxNewTokens = 5 }, (row, token) => streamed.Add((row, token)));
            CollectionAssert.AreEqual(unbounded.TakeWhile(t => t != eos).ToArray(), outputs[0]);
            CollectionAssert.AreEqual(outputs[0].Select(t => (0, t)).ToArray(), streamed.ToArray());
        }
        Assert.AreEqual(2, new TextGenerator(model).Generate(Prompts, new GenerationOptions { MaxNewTokens = 2 }).Max(o => o.Length));
    }

    [TestMethod]
    [DataRow("gpt2", 1)]
    [DataRow("gpt2", 3)]
    [DataRow("llama", 3)]
    [DataRow("gemma3", 3)]
    [DataRow("phi3", 3)]
    [DataRow("mistral-sliding", 3)]
    public void RowsRefilledAsSequencesFinishDecodeAsEachAloneWould(string architecture, int batchSize)
    {
        // Long prompts reach the context length (16) after 3 or 4 new tokens, the others run to 5: rows finish at
        // different steps, so later prompts join a batch midway and dead columns are sliced off under live rows.
        var config = WithoutLongRopeSwitch(TinyModels.ByName(architecture) with { EosTokenId = 99, MaxPositions = 16 });
        var (model, weights) = Open(config, seed: 7);
        using var _ = model;
        int[][] prompts = [[1, 5, 9, 2], Enumerable.Repeat(4, 13).ToArray(), [3, 8], Enumerable.Range(0, 12).Select(i => i % 9).ToArray(), [6]];
        var finished = new List<GeneratedSequence>();

        new TextGenerator(model).Generate(prompts, new GenerationOptions { MaxNewTokens = 5, NumReturnSequences = 2 }, batchSize, finished.Add);

        Assert.AreEqual(10, finished.Count);
        foreach (var sequence in finished)
        {
            var prompt = prompts[sequence.Prompt];
            CollectionAssert.AreEqual(ReferenceGreedy(config, weights, prompt, Math.Min(5, config.MaxPositions - prompt.Length)), sequence.Ids,
                $"prompt {sequence.Prompt}, sample {sequence.Sample}");
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), finished.Select(s => s.Prompt * 2 + s.Sample).ToArray());
    }

    [TestMethod]
    public void AStopStringEndsTheSequenceAndIsCutFromItsText()
    {
        using var dir = new TempFolder();
        var weights = TinyRuns.WriteModelFolder(dir.Path, TinyModels.Gpt2 with { EosTokenId = 10 }, seed: 4);
        using var model = InferenceModel.Open(dir.Path);
        var generator = new TextGenerator(model);
        var free = generator.Generate("bad", new GenerationOptions { MaxNewTokens = 8 });
        Assert.IsTrue(free.Length >= 3, free);
        // Stop at the completion's third letter: one-letter tokens, so generation ends on the token that holds it.
        string stop = free[2].ToString();
        int cut = free.IndexOf(stop, StringComparison.Ordinal);
        var options = new GenerationOptions { MaxNewTokens = 8, StopStrings = ["zz", stop] };

        var ids = generator.Generate([model.Tokenizer.Encode("bad")], options)[0];

        Assert.AreEqual(cut + 1, ids.Length, $"'{free}' stopped at '{stop}'");
        var prompt = model.Tokenizer.Encode("bad");
        Assert.AreEqual(free[..cut], generator.Completion(prompt, ids, options).Text);
        var pieces = new List<string>();
        Assert.AreEqual(free[..cut], generator.Generate("bad", options, pieces.Add));
        Assert.AreEqual(free[..cut], string.Concat(pieces), "the stop string is not streamed either");
        Assert.AreEqual("ab", generator.Completion(prompt, model.Tokenizer.Encode("abcdbc"), options with { StopStrings = ["db", "cd"] }).Text, "the earliest stop string wins");
    }

    [TestMethod]
    public void GenerationStopsAtTheContextLength()
    {
        var config = TinyModels.Gpt2 with { EosTokenId = 99 };  // 16 positions
        var (model, _) = Open(config, seed: 7);
        using var _ = model;
        var outputs = new TextGenerator(model).Generate([[1, 2, 3, 4, 5, 6, 7, 8, 9, 1]], new GenerationOptions { MaxNewTokens = 50 });
        Assert.AreEqual(6, outputs[0].Length, "10 prompt tokens + 6 new fill the 16 positions");
        var e = Assert.ThrowsExactly<UserError>(() => new TextGenerator(model).Generate([new int[16]], new GenerationOptions()));
        StringAssert.Contains(e.Message, "context length 16");
    }

    [TestMethod]
    public void SamplingIsSeededAndTinyTopPIsGreedy()
    {
        var config = TinyModels.Llama with { EosTokenId = 99 };
        var (model, _) = Open(config, seed: 9);
        using var _ = model;
        var generator = new TextGenerator(model);
        var sampled = new GenerationOptions { MaxNewTokens = 8, Temperature = 1.5, Seed = 3 };
        CollectionAssert.AreEqual(generator.Generate(Prompts, sampled)[1], generator.Generate(Prompts, sampled)[1]);
        CollectionAssert.AreEqual(generator.Generate(Prompts, new GenerationOptions { MaxNewTokens = 8 })[2],
            generator.Generate(Prompts, sampled with { TopP = 1e-9 })[2]);
    }

    [TestMethod]
    public void TextGenerationStreamsPiecesThatAddUpToTheCompletion()
    {
        using var dir = new TempFolder();
        var weights = TinyRuns.WriteModelFolder(dir.Path, TinyModels.Gpt2 with { EosTokenId = 10 }, seed: 4);
        using var model = InferenceModel.Open(dir.Path);
        var pieces = new List<string>();

        var text = new TextGenerator(model).Generate("bad", new GenerationOptions { MaxNewTokens = 6 }, pieces.Add);

        var ids = ReferenceGreedy(model.Config, weights, [1, 0, 3], 6);
        Assert.AreEqual(new string(ids.Select(t => (char)('a' + t)).ToArray()), text, "letters a..j are ids 0..9");
        Assert.AreEqual(text, string.Concat(pieces));
        Assert.IsTrue(ids.Length > 0);
        Assert.AreEqual(ids.Length, pieces.Count, "one piece per single-character token");
    }

    /// <summary>
    /// LongRoPE with its switch past the context: transformers' Phi-3 recomputes its cache when decoding crosses the
    /// switch (the keys so far were rotated with the short factors), which a KV cache cannot do, so cached decoding
    /// equals recomputation only on one side of it (the builder tests cover both sides without a cache).
    /// </summary>
    private static ModelConfig WithoutLongRopeSwitch(ModelConfig config) =>
        config.RopeScaling is LongRopeScaling rope ? config with { RopeScaling = rope with { OriginalMaxPositions = config.MaxPositions } } : config;

    private static (InferenceModel Model, Dictionary<string, TensorData> Weights) Open(ModelConfig config, int seed)
    {
        var weights = TinyModels.RandomWeights(ModelBuilders.For(config).Build().Parameters, seed);
        return (InferenceModel.FromSource(new ModelSource("test", config, weights)), weights);
    }

    /// <summary>Greedy decoding by recomputing the float64 reference forward over the whole sequence at every step.</summary>
    private static int[] ReferenceGreedy(ModelConfig config, Dictionary<string, TensorData> weights, int[] prompt, int steps)
    {
        var sequence = prompt.Select(t => (long)t).ToList();
        var output = new List<int>();
        for (int s = 0; s < steps; s++)
        {
            var logits = Reference(config, weights, sequence.ToArray());
            var last = logits.AsSpan((sequence.Count - 1) * config.VocabSize, config.VocabSize).ToArray();
            int token = Array.IndexOf(last, last.Max());
            if (token == config.EosTokenId) break;
            output.Add(token);
            sequence.Add(token);
        }
        return output.ToArray();
    }

    private static double[] Reference(ModelConfig config, Dictionary<string, TensorData> weights, long[] ids) =>
        ReferenceTransformer.Logits(config, weights.ToDictionary(w => w.Key, w => w.Value.ToDoublesWidened()), ids,
            Enumerable.Repeat(1L, ids.Length).ToArray(), 1, ids.Length);
}
