using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Serving;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Tests.Serving;

[TestClass]
public sealed class FeedbackExportTests
{
    private static readonly DateTime Noon = new(2026, 12, 8, 12, 0, 0, DateTimeKind.Utc);

    [TestMethod]
    public void RatedChatsBecomeConversationalRowsAndPlainOnesStandardRowsWithTheServedIds()
    {
        using var dir = new TempFolder();
        using var store = new FeedbackStore(dir.File("f.db"));
        var chat = new[] { new ChatMessage("system", "Be kind."), new ChatMessage("user", "Hi <b>there</b>") };
        store.Add(Completion("chatcmpl-1", chat, "Hello!", [5, 6, 7]));
        store.Add(Completion("cmpl-2", null, " world", [8]));
        store.Add(Completion("cmpl-3", null, "unrated", [9]));
        store.Add(Completion("cmpl-4", null, "", []));
        Assert.IsTrue(store.Rate("cmpl-4", 0, false, null, Noon));
        Assert.IsTrue(store.Rate("chatcmpl-1", 0, true, null, Noon));
        Assert.IsTrue(store.Rate("cmpl-2", 0, false, "off topic", Noon.AddMinutes(5)));
        Assert.IsFalse(store.Rate("cmpl-404", 0, true, null, Noon));

        var path = dir.File("kto.jsonl");
        Assert.AreEqual((2, 1, 1), FeedbackExport.Write(store, path), "the empty completion is left out");

        var lines = File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.AreEqual("Hi <b>there</b>", (string?)lines[0]["prompt"]![1]!["content"]);
        Assert.AreEqual("assistant", (string?)lines[0]["completion"]![0]!["role"]);
        Assert.AreEqual("Hello!", (string?)lines[0]["completion"]![0]!["content"]);
        CollectionAssert.AreEqual(new[] { 5, 6, 7 }, lines[0]["completion_ids"]!.AsArray().Select(n => (int)n!).ToArray());
        Assert.AreEqual("prompt text", (string?)lines[1]["prompt"]);
        Assert.AreEqual(false, (bool?)lines[1]["label"]);

        // KtoDataset reads the file as TRL data: one conversational and one standard example, in rating order.
        var dataset = KtoDataset.Load(path);
        Assert.AreEqual(2, dataset.Examples.Count);
        Assert.IsInstanceOfType<ConversationExample>(dataset.Examples[0]);
        Assert.IsTrue(dataset.Examples[0].Label);
        var text = (TextExample)dataset.Examples[1];
        Assert.AreEqual((" world", false), (text.Completion, text.Label));

        // --since: only ratings made at or after it.
        Assert.AreEqual((1, 0, 0), FeedbackExport.Write(store, path, Noon.AddMinutes(1)));
        Assert.AreEqual("cmpl-2", (string?)JsonNode.Parse(File.ReadAllLines(path).Single())!["id"]);
        Assert.ThrowsExactly<UserError>(() => FeedbackExport.Write(store, dir.File("kto.csv")));
    }

    /// <summary>Completions served over HTTP, rated, exported, and trained on: the loop the feature exists for.</summary>
    [TestMethod]
    public async Task ServedRatedAndExportedCompletionsTrain()
    {
        using var dir = new TempFolder();
        // TinyRun's model with the tokenizer's 11 tokens only (letters a..j and EOS), so every sampled token has text.
        var config = TinyRun.Config with { VocabSize = 11 };
        TinyRuns.WriteModelFolder(dir.File("model"), config, seed: 2);
        var db = dir.File("feedback.db");
        using (var model = InferenceModel.Open(dir.File("model")))
        await using (var host = await ServingHost.StartAsync(model, null, new ServeSettings { Port = 0, ModelName = "m", Database = db, Log = _ => { } }))
        using (var http = new HttpClient { BaseAddress = host.Address })
        {
            for (int i = 0; i < 8; i++)
            {
                var body = new JsonObject { ["model"] = "m", ["prompt"] = "abc"[..(1 + i % 3)], ["max_tokens"] = 3, ["seed"] = i };
                using var response = await http.PostAsync("v1/completions", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
                var id = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!;
                var rating = new JsonObject { ["id"] = id, ["label"] = i % 2 == 0 };
                using var rated = await http.PostAsync("v1/feedback", new StringContent(rating.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
                Assert.AreEqual(System.Net.HttpStatusCode.OK, rated.StatusCode);
            }
        }
        using (var store = new FeedbackStore(db))
        {
            var (rows, desirable, empty) = FeedbackExport.Write(store, dir.File("kto.jsonl"));
            Assert.AreEqual(8, rows + empty);
            Assert.IsTrue(rows >= 4 && desirable > 0 && desirable < rows, $"{rows} rows, {desirable} desirable");
        }

        var kto = new KtoConfig
        {
            Schedule = new ScheduleSettings { LearningRate = 1e-2, PerDeviceTrainBatchSize = 4, MaxSteps = 2 },
            Data = new DataOptions { MaxLength = 16 },
        };
        var artifacts = TinyRun.Artifacts(dir.File("model"), dir.File("artifacts"), kto);
        var summary = new Trainer(new TrainOptions { Artifacts = artifacts, Data = dir.File("kto.jsonl"), Output = dir.File("run"), Config = kto, Threads = 1 }, _ => { }).Run();
        Assert.AreEqual(2, summary.Steps);
        var logged = TinyRun.Metrics(dir.File("run"));
        Assert.IsTrue(logged.Count > 0 && logged.All(m => m.TryGetValue("loss", out var loss) && double.IsFinite(loss ?? double.NaN)), "every logged step has a finite loss");
    }

    private static StoredCompletion Completion(string id, ChatMessage[]? messages, string text, int[] ids) =>
        new(id, 0, Noon, "m", null, messages, "prompt text", [1, 2], text, ids, "stop", "{}");
}
