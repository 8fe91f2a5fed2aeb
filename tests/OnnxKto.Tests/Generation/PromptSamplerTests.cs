using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Generation;

[TestClass]
public sealed class PromptSamplerTests
{
    private const string Rows = "{\"prompt\": \"bad\", \"answer\": \"x\", \"label\": true}\n{\"prompt\": \"cab\", \"answer\": null, \"id\": 7}\n{\"prompt\": \"bad\", \"answer\": \"z\"}\n";

    [TestMethod]
    public void EveryRowIsSampledNTimesInOrderWithItsColumnsPassedThrough()
    {
        using var dir = new TempFolder();
        using var model = OpenModel(dir);
        var rows = PromptDataset.Load(dir.WriteText("p.jsonl", Rows));
        var options = new GenerationOptions { MaxNewTokens = 5, Temperature = 1.5, NumReturnSequences = 3, Seed = 5 };

        int written = PromptSampler.Write(model, rows, null, options, batchSize: 2, dir.File("s.jsonl"));

        var lines = ReadLines(dir.File("s.jsonl"));
        Assert.AreEqual(9, written);
        Assert.AreEqual(9, lines.Count);
        CollectionAssert.AreEqual(new[] { "bad", "bad", "bad", "cab", "cab", "cab", "bad", "bad", "bad" }, lines.Select(l => (string)l["prompt"]!).ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 0, 1, 2, 0, 1, 2 }, lines.Select(l => (int)l["sample"]!).ToArray());
        Assert.AreEqual("x", (string)lines[0]["answer"]!);
        Assert.IsTrue(lines[3].ContainsKey("answer") && lines[3]["answer"] is null, "a null passes through as null");
        Assert.AreEqual(7, (int)lines[4]["id"]!);
        Assert.IsFalse(lines.Any(l => l.ContainsKey("label")), "the old label judged another completion");
        Assert.IsTrue(lines.Select(l => (string)l["completion"]!).Distinct().Count() > 1, "temperature 1.5 draws differing samples");
    }

    [TestMethod]
    public void SamplesAreReproducibleBySeedAndDoNotDependOnTheBatchSize()
    {
        using var dir = new TempFolder();
        using var model = OpenModel(dir);
        var rows = PromptDataset.Load(dir.WriteText("p.jsonl", Rows));
        var options = new GenerationOptions { MaxNewTokens = 6, Temperature = 1.2, TopP = 0.9, NumReturnSequences = 4, Seed = 11 };

        string Sample(GenerationOptions o, int batch, string name)
        {
            PromptSampler.Write(model, rows, null, o, batch, dir.File(name));
            return File.ReadAllText(dir.File(name));
        }
        var first = Sample(options, 3, "a.jsonl");

        Assert.AreEqual(first, Sample(options, 3, "b.jsonl"));
        Assert.AreEqual(first, Sample(options, 1, "c.jsonl"), "batch 1");
        Assert.AreEqual(first, Sample(options, 12, "d.jsonl"), "all sequences in one batch");
        Assert.AreNotEqual(first, Sample(options with { Seed = 12 }, 3, "e.jsonl"));
    }

    [TestMethod]
    public void ConversationalPromptsAreRenderedAndGetAnAssistantMessage()
    {
        var tokenizer = new CharTokenizer(eos: "<|im_end|>", others: ["<|im_start|>"]);
        var template = ChatTemplateCatalog.ByName("chatml");
        var row = new PromptRow(new RowLocation("p.jsonl", 1, true), null, [new ChatMessage("user", "Hi")], new JsonObject());

        var prompt = Prompt.FromRow(row, tokenizer, template);

        Assert.AreEqual("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", prompt.Text);
        CollectionAssert.AreEqual(tokenizer.Encode(prompt.Text), prompt.Ids);
        var e = Assert.ThrowsExactly<UserError>(() => Prompt.FromRow(row, tokenizer, null));
        StringAssert.Contains(e.Message, "p.jsonl, line 1 is conversational");
    }

    [TestMethod]
    public void ASampledConversationReadsBackAsAKtoRowOnceLabelled()
    {
        using var dir = new TempFolder();
        using var model = OpenModel(dir);
        var rows = PromptDataset.Load(dir.WriteText("p.jsonl", "{\"prompt\": [{\"role\": \"user\", \"content\": \"ab\"}]}\n"));
        // A template made of the tiny tokenizer's letters only: the model can read what it renders.
        var template = new LettersTemplate();

        PromptSampler.Write(model, rows, template, new GenerationOptions { MaxNewTokens = 4 }, 1, dir.File("s.jsonl"));

        var line = ReadLines(dir.File("s.jsonl")).Single();
        var completion = (JsonArray)line["completion"]!;
        Assert.AreEqual("assistant", (string)completion[0]!["role"]!);
        var expected = new TextGenerator(model).Generate("ab", new GenerationOptions { MaxNewTokens = 4 });
        Assert.AreEqual(expected, (string)completion[0]!["content"]!);
        line["label"] = true;
        var example = (ConversationExample)KtoDataset.Load(dir.WriteText("k.jsonl", line.ToJsonString() + "\n")).Examples.Single();
        Assert.AreEqual(new ChatMessage("assistant", expected), example.Completion.Single());
    }

    [TestMethod]
    public void PreTokenizedPromptsGetCompletionIds()
    {
        using var dir = new TempFolder();
        using var model = OpenModel(dir);
        var rows = PromptDataset.Load(dir.WriteText("p.jsonl", "{\"prompt_ids\": [1, 0, 3], \"answer\": \"x\"}\n"));
        var options = new GenerationOptions { MaxNewTokens = 4 };

        PromptSampler.Write(model, rows, null, options, 1, dir.File("s.jsonl"));

        var line = ReadLines(dir.File("s.jsonl")).Single();
        var expected = new TextGenerator(model).Generate([[1, 0, 3]], options)[0];
        CollectionAssert.AreEqual(expected, ((JsonArray)line["completion_ids"]!).Select(n => (int)n!).ToArray());
        Assert.AreEqual(model.Tokenizer.Decode(expected), (string)line["completion"]!);
        line["label"] = false;
        var example = (TokenIdsExample)KtoDataset.Load(dir.WriteText("k.jsonl", line.ToJsonString() + "\n")).Examples.Single();
        CollectionAssert.AreEqual(new[] { 1, 0, 3 }, example.PromptIds);
    }

    private static InferenceModel OpenModel(TempFolder dir)
    {
        TinyRuns.WriteModelFolder(dir.File("model"), TinyModels.Gpt2 with { EosTokenId = 10 }, seed: 4);
        return InferenceModel.Open(dir.File("model"));
    }

    private static List<JsonObject> ReadLines(string path) =>
        File.ReadAllLines(path).Select(l => (JsonObject)JsonNode.Parse(l)!).ToList();

    /// <summary>Renders a conversation as its contents back to back.</summary>
    private sealed class LettersTemplate : ChatTemplate
    {
        public override string Name => "letters";

        public override string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string bosToken, string eosToken) =>
            string.Concat(messages.Select(m => m.Content));
    }
}
