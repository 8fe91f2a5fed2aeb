using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Serving;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Serving;

/// <summary>
/// The server in process on a free port, serving preset:gpt2-tiny (GPT-2's tokenizer, random weights) with ChatML.
/// Greedy answers are checked against <see cref="TextGenerator"/> on the prompt rendered by the template itself.
/// </summary>
[TestClass]
public sealed class ServingHostTests
{
    private const string Name = "tiny";
    private static InferenceModel _model = null!;
    private static TempFolder _dir = null!;
    private static ServingHost _host = null!;
    private static HttpClient _http = null!;
    private static readonly List<string> Log = [];

    [ClassInitialize]
    public static async Task Start(TestContext _)
    {
        _model = InferenceModel.Open("preset:gpt2-tiny");
        _dir = new TempFolder();
        _host = await ServingHost.StartAsync(_model, ChatTemplateCatalog.ByName("chatml"), Settings(_dir.File("feedback.db")));
        _http = new HttpClient { BaseAddress = _host.Address };
    }

    [ClassCleanup]
    public static async Task Stop()
    {
        _http.Dispose();
        await _host.DisposeAsync();
        _model.Dispose();
        _dir.Dispose();
    }

    [TestMethod]
    public async Task ModelsListsTheServedName()
    {
        var models = await Get("v1/models");
        Assert.AreEqual("list", (string?)models["object"]);
        Assert.AreEqual(Name, (string?)models["data"]![0]!["id"]);
        Assert.AreEqual(1, models["data"]!.AsArray().Count);
        Assert.AreEqual("ok", (string?)(await Get("health"))["status"]);
    }

    [TestMethod]
    public async Task AChatAnswerIsTheGeneratorsOnTheRenderedConversationAndIsStored()
    {
        var messages = new[] { new ChatMessage("system", "Be brief."), new ChatMessage("user", "Name a colour.") };
        var (status, body) = await Post("v1/chat/completions", Chat(messages, max: 6));

        Assert.AreEqual(HttpStatusCode.OK, status, body.ToJsonString());
        var expected = Greedy(ChatTemplateCatalog.ByName("chatml").Render(messages, true, "<|endoftext|>", "<|endoftext|>"), 6);
        Assert.AreEqual("chat.completion", (string?)body["object"]);
        StringAssert.StartsWith((string?)body["id"], "chatcmpl-");
        var choice = body["choices"]![0]!;
        Assert.AreEqual(expected.Text, (string?)choice["message"]!["content"]);
        Assert.AreEqual("assistant", (string?)choice["message"]!["role"]);
        Assert.AreEqual(expected.Ids.Length == 6 ? "length" : "stop", (string?)choice["finish_reason"]);
        Assert.AreEqual(expected.Ids.Length, (int)body["usage"]!["completion_tokens"]!);
        Assert.AreEqual(expected.PromptLength, (int)body["usage"]!["prompt_tokens"]!);

        using var store = new FeedbackStore(_dir.File("feedback.db"));
        Assert.AreEqual(HttpStatusCode.OK, (await Post("v1/feedback", new JsonObject { ["id"] = (string?)body["id"], ["label"] = true, ["comment"] = "ok" })).Status);
        var stored = store.Rated().Single(r => r.Id == (string?)body["id"]);
        Assert.AreEqual(true, stored.Label);
        Assert.AreEqual("ok", stored.Comment);
        Assert.AreEqual(expected.Text, stored.Completion);
        CollectionAssert.AreEqual(expected.Ids, stored.CompletionIds);
        CollectionAssert.AreEqual(messages, stored.Messages!.ToArray());
        Assert.AreEqual(Name, stored.Model);
        Assert.IsNull(stored.Adapter);
        StringAssert.Contains(stored.Settings, "\"temperature\":0");

        // Rating again replaces the rating.
        await Post("v1/feedback", new JsonObject { ["id"] = (string?)body["id"], ["label"] = false });
        stored = store.Rated().Single(r => r.Id == (string?)body["id"]);
        Assert.AreEqual(false, stored.Label);
        Assert.IsNull(stored.Comment);
    }

    [TestMethod]
    public async Task AStreamedChatSendsTheRoleThenPiecesThatAddUpToTheAnswerThenDone()
    {
        var messages = new[] { new ChatMessage("user", "Count to three.") };
        var request = Chat(messages, max: 5);
        var plain = (string?)(await Post("v1/chat/completions", request)).Body["choices"]![0]!["message"]!["content"];
        request["stream"] = true;
        request["stream_options"] = new JsonObject { ["include_usage"] = true };

        var events = await Stream("v1/chat/completions", request);

        Assert.AreEqual("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.IsTrue(chunks.All(c => (string?)c["object"] == "chat.completion.chunk" && (string?)c["id"] == (string?)chunks[0]["id"]));
        Assert.AreEqual("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var withChoices = chunks.Where(c => c["choices"]!.AsArray().Count > 0).ToList();
        Assert.AreEqual(plain, string.Concat(withChoices.Select(c => (string?)c["choices"]![0]!["delta"]!["content"])));
        Assert.IsNotNull((string?)withChoices[^1]["choices"]![0]!["finish_reason"]);
        Assert.IsTrue(withChoices[..^1].All(c => c["choices"]![0]!["finish_reason"] is null));
        Assert.AreEqual(5, (int)chunks[^1]["usage"]!["completion_tokens"]!, "the usage chunk comes last");
    }

    [TestMethod]
    public async Task APlainCompletionAndItsStreamGiveTheGeneratorsText()
    {
        var expected = Greedy("The weather today", 4);
        var request = new JsonObject { ["model"] = Name, ["prompt"] = "The weather today", ["max_tokens"] = 4, ["temperature"] = 0 };
        var (status, body) = await Post("v1/completions", request);
        Assert.AreEqual(HttpStatusCode.OK, status);
        Assert.AreEqual("text_completion", (string?)body["object"]);
        StringAssert.StartsWith((string?)body["id"], "cmpl-");
        Assert.AreEqual(expected.Text, (string?)body["choices"]![0]!["text"]);

        request["stream"] = true;
        var events = await Stream("v1/completions", request);
        Assert.AreEqual("[DONE]", events[^1]);
        Assert.AreEqual(expected.Text, string.Concat(events[..^1].Select(e => (string?)JsonNode.Parse(e)!["choices"]![0]!["text"])));
    }

    [TestMethod]
    public async Task ConcurrentRequestsEachGetWhatTheyGetAlone()
    {
        string[] prompts = ["One", "Two words", "A slightly longer prompt here", "x"];
        var answers = await Task.WhenAll(prompts.Select(async (p, i) =>
            (await Post("v1/completions", new JsonObject { ["model"] = Name, ["prompt"] = p, ["max_tokens"] = 2 + i, ["temperature"] = 0.8, ["seed"] = i })).Body));
        for (int i = 0; i < prompts.Length; i++)
        {
            var alone = (await Post("v1/completions", new JsonObject { ["model"] = Name, ["prompt"] = prompts[i], ["max_tokens"] = 2 + i, ["temperature"] = 0.8, ["seed"] = i })).Body;
            Assert.AreEqual((string?)alone["choices"]![0]!["text"], (string?)answers[i]["choices"]![0]!["text"], prompts[i]);
        }
        var n = (await Post("v1/completions", new JsonObject { ["model"] = Name, ["prompt"] = "x", ["max_tokens"] = 5, ["temperature"] = 0.8, ["seed"] = 3, ["n"] = 3 })).Body;
        Assert.AreEqual(3, n["choices"]!.AsArray().Count);
        Assert.AreEqual((string?)answers[3]["choices"]![0]!["text"], (string?)n["choices"]![0]!["text"], "choice 0 of seed s is the single completion of seed s");
        Assert.IsTrue(Log.Any(l => l.StartsWith("POST /v1/completions 200 ", StringComparison.Ordinal) && l.Contains(" tokens ")), string.Join("\n", Log));
    }

    [TestMethod]
    [DataRow("""{"model": "nope", "prompt": "a"}""", "v1/completions", 400, "model_not_found", "model")]
    [DataRow("""{"model": "tiny", "prompt": "a",""", "v1/completions", 400, "invalid_json", null)]
    [DataRow("""{"model": "tiny", "prompt": "a", "temperature": 5}""", "v1/completions", 400, null, "temperature")]
    [DataRow("""{"model": "tiny", "prompt": "a", "max_tokens": "many"}""", "v1/completions", 400, null, "max_tokens")]
    [DataRow("""{"model": "tiny", "messages": [{"role": "user", "content": "a"}], "tools": []}""", "v1/chat/completions", 400, "unsupported_parameter", "tools")]
    [DataRow("""{"model": "tiny", "messages": [{"role": "robot", "content": "a"}]}""", "v1/chat/completions", 400, null, "messages[0].role")]
    [DataRow("""{"model": "tiny"}""", "v1/chat/completions", 400, null, "messages")]
    [DataRow("""{"id": "chatcmpl-unknown", "label": true}""", "v1/feedback", 404, "completion_not_found", "id")]
    [DataRow("""{"id": "chatcmpl-unknown", "label": "yes"}""", "v1/feedback", 400, null, "label")]
    [DataRow("""{}""", "v1/nothing", 404, "not_found", null)]
    public async Task BadRequestsGetOpenAisErrorShape(string body, string path, int status, string? code, string? param)
    {
        using var response = await _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.AreEqual(status, (int)response.StatusCode, error.ToJsonString());
        Assert.IsFalse(string.IsNullOrEmpty((string?)error["message"]));
        Assert.IsNotNull((string?)error["type"]);
        if (code is not null) Assert.AreEqual(code, (string?)error["code"]);
        Assert.AreEqual(param, (string?)error["param"]);
    }

    [TestMethod]
    public async Task APromptLongerThanTheContextAndABodyPastTheLimitAreRefused()
    {
        var (status, body) = await Post("v1/completions", new JsonObject { ["model"] = Name, ["prompt"] = string.Concat(Enumerable.Repeat(" hello", 300)) });
        Assert.AreEqual(HttpStatusCode.BadRequest, status);
        Assert.AreEqual("context_length_exceeded", (string?)body["error"]!["code"]);

        var huge = new JsonObject { ["model"] = Name, ["prompt"] = new string('a', 70_000) };
        (status, body) = await Post("v1/completions", huge);
        Assert.AreEqual(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.AreEqual("request_too_large", (string?)body["error"]!["code"]);
    }

    [TestMethod]
    public async Task WithAnApiKeyRequestsWithoutItGet401AFullQueue503AndNoTemplateNoChat()
    {
        using var dir = new TempFolder();
        await using var host = await ServingHost.StartAsync(_model, null, Settings(dir.File("f.db")) with { ApiKey = "sesame", BatchSize = 1, MaxQueued = 0 });
        using var http = new HttpClient { BaseAddress = host.Address };
        using var refused = await http.GetAsync("v1/models");
        Assert.AreEqual(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.AreEqual("invalid_api_key", (string?)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!["code"]);
        http.DefaultRequestHeaders.Authorization = new("Bearer", "sesame");
        using var models = await http.GetAsync("v1/models");
        Assert.AreEqual(HttpStatusCode.OK, models.StatusCode);

        // One row and no queue: a second request while the first streams is refused; the first is cancelled by leaving.
        using var leave = new CancellationTokenSource();
        var streaming = new HttpRequestMessage(HttpMethod.Post, "v1/completions")
        {
            Content = Json(new JsonObject { ["model"] = Name, ["prompt"] = "a", ["max_tokens"] = 200, ["stream"] = true }),
        };
        using var first = await http.SendAsync(streaming, HttpCompletionOption.ResponseHeadersRead, leave.Token);
        using var reader = new StreamReader(await first.Content.ReadAsStreamAsync(leave.Token));
        StringAssert.StartsWith(await reader.ReadLineAsync(leave.Token), "data: ");
        using var second = await http.PostAsync("v1/completions", Json(new JsonObject { ["model"] = Name, ["prompt"] = "b", ["max_tokens"] = 2 }));
        Assert.AreEqual(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        leave.Cancel();

        // Without a chat template, chats are refused with the fix.
        using var chat = await http.PostAsync("v1/chat/completions",
            Json(new JsonObject { ["model"] = Name, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "a" }) }));
        Assert.AreEqual(HttpStatusCode.BadRequest, chat.StatusCode);
        StringAssert.Contains(await chat.Content.ReadAsStringAsync(), "--chat-template");
    }

    private static ServeSettings Settings(string db) => new()
    {
        Port = 0, ModelName = Name, Database = db, MaxRequestBytes = 64 * 1024,
        Log = line => { lock (Log) Log.Add(line); },
    };

    private static (string Text, int[] Ids, int PromptLength) Greedy(string prompt, int max)
    {
        var options = new GenerationOptions { MaxNewTokens = max };
        var generator = new TextGenerator(_model);
        var promptIds = _model.Tokenizer.Encode(prompt);
        var ids = generator.Generate([promptIds], options)[0];
        return (generator.Completion(promptIds, ids, options).Text, ids, promptIds.Length);
    }

    private static JsonObject Chat(IEnumerable<ChatMessage> messages, int max) => new()
    {
        ["model"] = Name, ["max_tokens"] = max, ["temperature"] = 0,
        ["messages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray()),
    };

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static async Task<JsonNode> Get(string path) => JsonNode.Parse(await _http.GetStringAsync(path))!;

    private static async Task<(HttpStatusCode Status, JsonNode Body)> Post(string path, JsonNode body)
    {
        using var response = await _http.PostAsync(path, Json(body));
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!);
    }

    // The data of each server-sent event, in order.
    private static async Task<string[]> Stream(string path, JsonNode body)
    {
        using var response = await _http.PostAsync(path, Json(body));
        Assert.AreEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        return text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.StartsWith("data: ", StringComparison.Ordinal) ? e[6..] : throw new AssertFailedException(e)).ToArray();
    }
}
