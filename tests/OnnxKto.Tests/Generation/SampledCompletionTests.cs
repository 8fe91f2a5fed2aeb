using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.Labelling;
using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Generation;

/// <summary>
/// The on-policy round trip: what <c>generate</c> writes, once labelled and read back for training, is the tokens that
/// were sampled, and <c>logps</c> scores exactly those (plus EOS), for a SentencePiece model with a dummy prefix and
/// BOS and for a byte-level BPE model with merges.
/// </summary>
[TestClass]
public sealed class SampledCompletionTests
{
    private const string Prompts = "{\"prompt\": \"Once upon a time\"}\n{\"prompt\": \"The cat sat\"}\n{\"prompt\": \"She said,\"}\n";
    private const string LetterPrompts = "{\"prompt\": \"bad\"}\n{\"prompt\": \"cab\"}\n";

    [TestMethod]
    public void SentencePieceSamplesAreTrainedAndScoredAsTheSampledTokens()
    {
        using var dir = new TempFolder();
        var config = TinyModels.Llama with { VocabSize = 400, EosTokenId = 2, MaxPositions = 64 };
        var weights = TinyRuns.WriteModelFolder(dir.File("model"), config, seed: 3);
        File.Delete(dir.File("model/vocab.json"));
        File.Delete(dir.File("model/merges.txt"));
        File.Copy(GoldenFiles.SentencePieceBpe, dir.File("model/tokenizer.model"));
        File.WriteAllText(dir.File("model/tokenizer_config.json"), """{"add_bos_token": true, "bos_token": "<s>", "eos_token": "</s>"}""");

        CheckRoundTrip(dir, config, weights, Prompts);
    }

    [TestMethod]
    public void ByteLevelSamplesAreTrainedAndScoredAsTheSampledTokens()
    {
        using var dir = new TempFolder();
        var config = TinyModels.Gpt2 with { VocabSize = 14 };
        var weights = TinyRuns.WriteModelFolder(dir.File("model"), config, seed: 5);
        // Merges make "ab", "ba" and "ca" one token each: sampled "a", "b" re-tokenizes to "ab".
        File.WriteAllText(dir.File("model/vocab.json"),
            """{"a": 0, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5, "g": 6, "h": 7, "i": 8, "j": 9, "<|endoftext|>": 10, "ab": 11, "ba": 12, "ca": 13}""");
        File.WriteAllText(dir.File("model/merges.txt"), "#version: 0.2\na b\nb a\nc a\n");

        CheckRoundTrip(dir, config, weights, LetterPrompts);
    }

    [TestMethod]
    public void AStopStringInsideATokenDropsThatToken()
    {
        using var dir = new TempFolder();
        var tokenizer = new CharTokenizer(eos: "<|endoftext|>", others: ["xy"]);
        var prompt = tokenizer.Encode("q");
        var ids = tokenizer.Encode("abxyc");  // a, b, xy, c: the stop string "y" starts inside "xy"

        var cut = SampledCompletion.Of(tokenizer, prompt, ids, ["y"]);
        var onBoundary = SampledCompletion.Of(tokenizer, prompt, ids, ["xy"]);

        Assert.AreEqual("ab", cut.Text);
        CollectionAssert.AreEqual(ids[..2], cut.Ids);
        Assert.AreEqual("ab", onBoundary.Text);
        CollectionAssert.AreEqual(ids[..2], onBoundary.Ids);
        Assert.AreEqual("abxyc", SampledCompletion.Of(tokenizer, prompt, ids, []).Text);
    }

    [TestMethod]
    public void CompletionIdsThatNoLongerMatchAnEditedCompletionAreSetAsideWithAWarning()
    {
        using var dir = new TempFolder();
        TinyRuns.WriteModelFolder(dir.File("model"), TinyModels.Gpt2, seed: 1);
        using var model = InferenceModel.Open(dir.File("model"));
        var path = dir.WriteText("k.jsonl", "{\"prompt\": \"ab\", \"completion\": \"cd\", \"completion_ids\": [2, 3], \"label\": true}\n"
                                           + "{\"prompt\": \"ab\", \"completion\": \"ce\", \"completion_ids\": [2, 3], \"label\": false}\n");

        var shaped = KtoDataShaper.Shape(KtoDataset.Load(path), model.Tokenizer, new DataOptions { MaxLength = 16 });

        CollectionAssert.AreEqual(new[] { 2, 3, 10 }, shaped.Examples[0].CompletionIds);
        CollectionAssert.AreEqual(new[] { 2, 4, 10 }, shaped.Examples[1].CompletionIds, "the edited text is tokenized");
        Assert.IsTrue(shaped.Report.Warnings.Any(w => w.Contains("k.jsonl, line 2") && w.Contains("completion_ids do not decode")),
            string.Join("\n", shaped.Report.Warnings));
    }

    /// <summary>generate → label → shape → logps: the rows hold the sampled ids, and their log-probs are the float64
    /// reference's over prompt + sampled + EOS.</summary>
    private static void CheckRoundTrip(TempFolder dir, ModelConfig config, Dictionary<string, TensorData> weights, string prompts)
    {
        using var model = InferenceModel.Open(dir.File("model"));
        var tokenizer = model.Tokenizer;
        var rows = PromptDataset.Load(dir.WriteText("p.jsonl", prompts));
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 1.0, NumReturnSequences = 3, Seed = 7 };
        PromptSampler.Write(model, rows, null, options, batchSize: 4, dir.File("samples.jsonl"));
        SampleLabeller.Label(dir.File("samples.jsonl"), dir.File("labelled.jsonl"), new RegexVerifier("e"));

        var data = new DataOptions { MaxLength = config.MaxPositions };
        var shaped = KtoDataShaper.Shape(KtoDataset.Load(dir.File("labelled.jsonl"), data), tokenizer, data);
        using var scorer = new CompletionScorer(model);
        var logps = scorer.Score(shaped.Examples, batchSize: 2);

        var promptIds = rows.Select(r => tokenizer.Encode(r.Text!)).ToList();
        var sampled = new TextGenerator(model).Generate(promptIds, options);
        var lines = File.ReadAllLines(dir.File("labelled.jsonl")).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();
        Assert.AreEqual(sampled.Count, shaped.Examples.Count);
        int retokenizedDiffers = 0;
        for (int i = 0; i < sampled.Count; i++)
        {
            var prompt = promptIds[i / options.NumReturnSequences];
            int[] completion = [.. sampled[i], tokenizer.EosTokenId];
            CollectionAssert.AreEqual(sampled[i], ((JsonArray)lines[i]["completion_ids"]!).Select(n => (int)n!).ToArray(), $"row {i}: label keeps completion_ids");
            CollectionAssert.AreEqual(prompt, shaped.Examples[i].PromptIds, $"row {i}");
            CollectionAssert.AreEqual(completion, shaped.Examples[i].CompletionIds, $"row {i}: trained on the sampled ids");
            var expected = CompletionScorerTests.ReferenceLogps(config, weights, new TokenizedExample(prompt, completion, true));
            Assert.AreEqual(expected, logps[i], 1e-4 * Math.Max(1, Math.Abs(expected)), $"row {i}");
            var text = rows[i / options.NumReturnSequences].Text + (string)lines[i]["completion"]!;
            if (!tokenizer.Encode(text).SequenceEqual([.. prompt, .. sampled[i]])) retokenizedDiffers++;
        }
        Assert.IsTrue(retokenizedDiffers > 0, "some samples re-tokenize differently from their text: the ids are what keeps them on-policy");
        Assert.IsFalse(shaped.Report.Warnings.Any(w => w.Contains("completion_ids")), string.Join("\n", shaped.Report.Warnings));
    }
}
