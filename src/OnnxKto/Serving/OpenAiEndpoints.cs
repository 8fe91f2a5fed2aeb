using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;

namespace OnnxKto.Serving;

/// <summary>
/// The handlers of OpenAI's API as clients use it (<c>/v1/models</c>, <c>/v1/chat/completions</c>,
/// <c>/v1/completions</c>, plain and streamed as server-sent events) and of <c>/v1/feedback</c>, the rating of a
/// served completion. Every completion is stored in the <see cref="FeedbackStore"/> before the client sees its end.
/// </summary>
/// <param name="service">The decoding thread.</param>
/// <param name="store">Where completions and ratings go.</param>
/// <param name="template">The chat template, or null (chat requests are then refused).</param>
/// <param name="adapters">The adapter file behind each served adapter name.</param>
/// <param name="settings">Limits and defaults.</param>
public sealed class OpenAiEndpoints(DecodeService service, FeedbackStore store, ChatTemplate? template, IReadOnlyDictionary<string, string> adapters, ServeSettings settings)
{
    /// <summary>The <see cref="HttpContext.Items"/> key under which a handler leaves the tokens it generated, for the log line.</summary>
    public const string TokensItem = "onnx-kto.tokens";

    /// <summary>How bodies are written: compact, and readable (no \u escapes of quotes or non-ASCII text).</summary>
    internal static readonly JsonSerializerOptions Compact = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly TextGenerator _text = new(service.Model);
    private readonly long _started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary><c>GET /v1/models</c>: the base model and each adapter.</summary>
    public IResult Models() => Json(new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(service.Names.Select(name => (JsonNode)new JsonObject
        {
            ["id"] = name, ["object"] = "model", ["created"] = _started, ["owned_by"] = "onnx-kto",
        }).ToArray()),
    });

    /// <summary><c>POST /v1/chat/completions</c> (<paramref name="chat"/>) or <c>POST /v1/completions</c>.</summary>
    public async Task Complete(HttpContext http, bool chat)
    {
        using var body = await ReadBody(http);
        var request = CompletionRequest.Parse(body.RootElement, chat, settings.DefaultMaxTokens);
        if (!service.Names.Contains(request.Model))
            throw ApiError.BadRequest($"The model '{request.Model}' is not served here; GET /v1/models lists {string.Join(", ", service.Names)}.", "model", "model_not_found");
        var prompt = chat
            ? Prompt.FromConversation(request.Messages!, service.Model.Tokenizer, template
                ?? throw ApiError.BadRequest("This server has no chat template; start it with --chat-template (or use /v1/completions).", "messages"))
            : new Prompt(request.Prompt!, service.Model.Tokenizer.Encode(request.Prompt!) is { Length: > 0 } ids ? ids : [service.Model.Tokenizer.BosTokenId ?? service.Model.EosTokenId]);
        int context = service.Model.Config.MaxPositions;
        if (prompt.Ids.Length >= context)
            throw ApiError.BadRequest($"The prompt has {prompt.Ids.Length} tokens; the model's context length is {context}.", chat ? "messages" : "prompt", "context_length_exceeded");
        var events = service.Submit(request.Model, prompt.Ids, request.Options, request.Seed, request.Choices, http.RequestAborted);
        var response = new Response(chat, (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24], DateTimeOffset.UtcNow.ToUnixTimeSeconds(), request);
        if (request.Stream) await Stream(http, response, prompt, events);
        else await Whole(http, response, prompt, events);
    }

    /// <summary><c>POST /v1/feedback</c> <c>{"id", "label", "comment"?, "index"?}</c>: rates a stored completion; 200 once the rating is on disk.</summary>
    public async Task Feedback(HttpContext http)
    {
        using var body = await ReadBody(http);
        var root = body.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("The body must be {\"id\": \"...\", \"label\": true | false}.");
        if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
            throw ApiError.BadRequest("'id' is required: the id of the completion to rate (chatcmpl-... or cmpl-...).", "id");
        if (!root.TryGetProperty("label", out var label) || label.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw ApiError.BadRequest("'label' is required: true (good) or false (bad).", "label");
        int index = 0;
        if (root.TryGetProperty("index", out var i) && (i.ValueKind != JsonValueKind.Number || !i.TryGetInt32(out index) || index < 0))
            throw ApiError.BadRequest("'index' must be a choice index (0 or more).", "index");
        string? comment = null;
        if (root.TryGetProperty("comment", out var c) && c.ValueKind != JsonValueKind.Null)
            comment = c.ValueKind == JsonValueKind.String ? c.GetString() : throw ApiError.BadRequest("'comment' must be a string.", "comment");
        foreach (var field in root.EnumerateObject())
            if (field.Name is not ("id" or "label" or "index" or "comment"))
                throw ApiError.BadRequest($"'{field.Name}' is not a feedback field; send id, label, and optionally index and comment.", field.Name);
        if (!store.Rate(id.GetString()!, index, label.GetBoolean(), comment, DateTime.UtcNow))
            throw new ApiError(404, $"No completion '{id.GetString()}' with choice {index} is stored here.", "completion_not_found", "id");
        await Json(new JsonObject { ["id"] = id.GetString(), ["index"] = index, ["label"] = label.GetBoolean(), ["stored"] = true }).ExecuteAsync(http);
    }

    private async Task Whole(HttpContext http, Response response, Prompt prompt, System.Threading.Channels.ChannelReader<DecodeEvent> events)
    {
        var finished = new (string Text, int[] Ids, FinishReason Reason)[response.Request.Choices];
        await foreach (var e in events.ReadAllAsync(http.RequestAborted))
            if (e.Finished) finished[e.Choice] = Store(response, prompt, e, _text.Completion(prompt.Ids, e.Ids!, response.Request.Options).Text);
        var choices = new JsonArray();
        for (int c = 0; c < finished.Length; c++)
        {
            var choice = new JsonObject { ["index"] = c };
            if (response.Chat) choice["message"] = new JsonObject { ["role"] = "assistant", ["content"] = finished[c].Text };
            else choice["text"] = finished[c].Text;
            choice["logprobs"] = null;
            choice["finish_reason"] = Reason(finished[c].Reason);
            choices.Add(choice);
        }
        var json = response.Header(response.Chat ? "chat.completion" : "text_completion");
        json["choices"] = choices;
        json["usage"] = Usage(prompt, finished.Sum(f => f.Ids.Length));
        http.Items[TokensItem] = finished.Sum(f => f.Ids.Length);
        await Json(json).ExecuteAsync(http);
    }

    private async Task Stream(HttpContext http, Response response, Prompt prompt, System.Threading.Channels.ChannelReader<DecodeEvent> events)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var texts = Enumerable.Range(0, response.Request.Choices).Select(_ => new StreamingText(service.Model.Tokenizer, prompt.Ids, response.Request.Options.StopStrings)).ToArray();
        int tokens = 0;
        if (response.Chat)
            for (int c = 0; c < texts.Length; c++) await Send(http, response.Chunk(c, "", null, role: true));
        else await http.Response.Body.FlushAsync(http.RequestAborted);
        await foreach (var e in events.ReadAllAsync(http.RequestAborted))
        {
            if (!e.Finished)
            {
                if (texts[e.Choice].Add(e.Token) is { Length: > 0 } piece) await Send(http, response.Chunk(e.Choice, piece, null));
                continue;
            }
            tokens += e.Ids!.Length;
            if (texts[e.Choice].Rest() is { Length: > 0 } rest) await Send(http, response.Chunk(e.Choice, rest, null));
            Store(response, prompt, e, _text.Completion(prompt.Ids, e.Ids, response.Request.Options).Text);
            await Send(http, response.Chunk(e.Choice, null, Reason(e.Reason)));
        }
        http.Items[TokensItem] = tokens;
        if (response.Request.IncludeUsage)
        {
            var usage = response.Header(response.Chat ? "chat.completion.chunk" : "text_completion");
            usage["choices"] = new JsonArray();
            usage["usage"] = Usage(prompt, tokens);
            await Send(http, usage);
        }
        await http.Response.WriteAsync("data: [DONE]\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private (string, int[], FinishReason) Store(Response response, Prompt prompt, DecodeEvent e, string text)
    {
        var request = response.Request;
        if (e.Reason == FinishReason.Cancelled) return (text, e.Ids!, e.Reason);
        var settingsJson = new JsonObject
        {
            ["max_tokens"] = request.Options.MaxNewTokens, ["temperature"] = request.Options.Temperature, ["top_p"] = request.Options.TopP,
            ["seed"] = request.Seed, ["stop"] = new JsonArray(request.Options.StopStrings.Select(s => (JsonNode)s).ToArray()),
        }.ToJsonString(Compact);
        store.Add(new StoredCompletion(response.Id, e.Choice, DateTime.UtcNow, request.Model, adapters.GetValueOrDefault(request.Model), request.Messages,
            prompt.Text, prompt.Ids, text, e.Ids!, Reason(e.Reason)!, settingsJson));
        return (text, e.Ids!, e.Reason);
    }

    private static JsonObject Usage(Prompt prompt, int completion) => new()
    {
        ["prompt_tokens"] = prompt.Ids.Length, ["completion_tokens"] = completion, ["total_tokens"] = prompt.Ids.Length + completion,
    };

    private static string? Reason(FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        _ => null,
    };

    private static async Task Send(HttpContext http, JsonObject json)
    {
        await http.Response.WriteAsync($"data: {json.ToJsonString(Compact)}\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static IResult Json(JsonObject json) => Results.Content(json.ToJsonString(Compact), "application/json");

    // The body as JSON: 413 past the size limit (Kestrel's), 400 when it is not JSON.
    private static async Task<JsonDocument> ReadBody(HttpContext http)
    {
        try
        {
            return await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException e)
        {
            throw ApiError.BadRequest($"The body is not valid JSON: {e.Message}", code: "invalid_json");
        }
    }

    /// <summary>A response being built: its kind, id, time and request.</summary>
    private sealed record Response(bool Chat, string Id, long Created, CompletionRequest Request)
    {
        public JsonObject Header(string kind) => new() { ["id"] = Id, ["object"] = kind, ["created"] = Created, ["model"] = Request.Model };

        // A streamed chunk: chat chunks carry a delta (the role first, then content pieces, empty at the end),
        // completion chunks the text.
        public JsonObject Chunk(int choice, string? piece, string? finish, bool role = false)
        {
            var json = Header(Chat ? "chat.completion.chunk" : "text_completion");
            var item = new JsonObject { ["index"] = choice };
            if (Chat)
                item["delta"] = role ? new JsonObject { ["role"] = "assistant", ["content"] = "" }
                    : piece is null ? new JsonObject() : new JsonObject { ["content"] = piece };
            else item["text"] = piece ?? "";
            item["logprobs"] = null;
            item["finish_reason"] = finish;
            json["choices"] = new JsonArray(item);
            return json;
        }
    }
}
