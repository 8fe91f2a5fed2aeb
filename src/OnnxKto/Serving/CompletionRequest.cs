using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Generation;

namespace OnnxKto.Serving;

/// <summary>
/// A <c>/v1/chat/completions</c> or <c>/v1/completions</c> request as OpenAI's API defines it, checked field by field.
/// Fields this server cannot honour (tools, logprobs, penalties) are refused by name rather than ignored.
/// </summary>
/// <param name="Model">The served model or adapter name.</param>
/// <param name="Messages">The conversation (chat), else null.</param>
/// <param name="Prompt">The prompt text (completions), else null.</param>
/// <param name="Options">max_tokens, temperature, top_p and stop.</param>
/// <param name="Seed">The request's seed (a random one when the request gives none); choice i samples from its own stream.</param>
/// <param name="Choices">n: completions to return.</param>
/// <param name="Stream">Server-sent events instead of one JSON body.</param>
/// <param name="IncludeUsage">stream_options.include_usage: a last chunk with the token counts.</param>
public sealed record CompletionRequest(
    string Model, IReadOnlyList<ChatMessage>? Messages, string? Prompt, GenerationOptions Options, int Seed, int Choices, bool Stream, bool IncludeUsage)
{
    /// <summary>Most choices (<c>n</c>) per request.</summary>
    public const int MaxChoices = 16;

    /// <summary>Most stop strings per request, as OpenAI allows.</summary>
    public const int MaxStops = 4;

    // Accepted only at the value that means "off": anything else asks for a feature this server does not have.
    private static readonly Dictionary<string, Func<JsonElement, bool>> Neutral = new(StringComparer.Ordinal)
    {
        ["frequency_penalty"] = v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0,
        ["presence_penalty"] = v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 0,
        ["logprobs"] = v => v.ValueKind == JsonValueKind.False,
        ["echo"] = v => v.ValueKind == JsonValueKind.False,
        ["parallel_tool_calls"] = _ => true,
        ["user"] = v => v.ValueKind == JsonValueKind.String,
        ["response_format"] = v => v.ValueKind == JsonValueKind.Object && v.TryGetProperty("type", out var t) && t.ValueEquals("text"),
    };

    private static readonly HashSet<string> Known =
        ["model", "messages", "prompt", "max_tokens", "max_completion_tokens", "temperature", "top_p", "seed", "stop", "n", "stream", "stream_options"];

    /// <summary>Reads a request body.</summary>
    /// <param name="body">The parsed JSON body.</param>
    /// <param name="chat">True for <c>/v1/chat/completions</c> (messages), false for <c>/v1/completions</c> (prompt).</param>
    /// <param name="defaultMaxTokens">max_tokens when the request gives none.</param>
    /// <exception cref="ApiError">400 naming the field that is missing, mistyped, out of range or unsupported.</exception>
    public static CompletionRequest Parse(JsonElement body, bool chat, int defaultMaxTokens)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest("The request body must be a JSON object.");
        foreach (var field in body.EnumerateObject())
        {
            if (Known.Contains(field.Name) || field.Value.ValueKind == JsonValueKind.Null) continue;
            if (Neutral.TryGetValue(field.Name, out var neutral) && neutral(field.Value)) continue;
            throw ApiError.BadRequest($"'{field.Name}' is not supported by this server (it serves text completions without tools, logprobs or penalties); leave it out.", field.Name, "unsupported_parameter");
        }
        var model = String(body, "model") ?? throw ApiError.BadRequest("'model' is required: the name from GET /v1/models.", "model");
        IReadOnlyList<ChatMessage>? messages = null;
        string? prompt = null;
        if (chat) messages = ReadMessages(body);
        else prompt = ReadPrompt(body);
        int maxTokens = Int(body, "max_completion_tokens") ?? Int(body, "max_tokens") ?? defaultMaxTokens;
        if (maxTokens <= 0) throw ApiError.BadRequest($"max_tokens must be positive, got {maxTokens}.", "max_tokens");
        double temperature = Number(body, "temperature") ?? 1.0, topP = Number(body, "top_p") ?? 1.0;
        if (temperature is < 0 or > 2) throw ApiError.BadRequest($"temperature must be in [0, 2], got {temperature}.", "temperature");
        if (topP is <= 0 or > 1) throw ApiError.BadRequest($"top_p must be in (0, 1], got {topP}.", "top_p");
        int n = Int(body, "n") ?? 1;
        if (n is < 1 or > MaxChoices) throw ApiError.BadRequest($"n must be from 1 to {MaxChoices}, got {n}.", "n");
        // OpenAI's seeds are 64-bit; ours are 32: fold the halves.
        int seed = Get(body, "seed") is { } s ? s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var l) ? (int)(l ^ (l >> 32))
            : throw ApiError.BadRequest("'seed' must be an integer.", "seed") : Random.Shared.Next();
        bool stream = Bool(body, "stream") ?? false;
        bool usage = body.TryGetProperty("stream_options", out var streamOptions) && streamOptions.ValueKind == JsonValueKind.Object
            && streamOptions.TryGetProperty("include_usage", out var include) && include.ValueKind == JsonValueKind.True;
        var options = new GenerationOptions { MaxNewTokens = maxTokens, Temperature = temperature, TopP = topP, StopStrings = Stops(body) };
        return new CompletionRequest(model, messages, prompt, options, seed, n, stream, usage);
    }

    private static List<ChatMessage> ReadMessages(JsonElement body)
    {
        if (!body.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
            throw ApiError.BadRequest("'messages' is required: a non-empty array of {role, content}.", "messages");
        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (var message in list.EnumerateArray())
        {
            string at = $"messages[{i++}]";
            if (message.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest($"{at} must be an object with role and content.", at);
            var role = String(message, "role", at) ?? throw ApiError.BadRequest($"{at}.role is required.", $"{at}.role");
            if (role is not ("system" or "user" or "assistant"))
                throw ApiError.BadRequest($"{at}.role '{role}' is not supported; use system, user or assistant.", $"{at}.role");
            messages.Add(new ChatMessage(role, Content(message, at)));
        }
        return messages;
    }

    // A string, or an array of {"type": "text", "text": ...} parts joined.
    private static string Content(JsonElement message, string at)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
            throw ApiError.BadRequest($"{at}.content is required.", $"{at}.content");
        if (content.ValueKind == JsonValueKind.String) return content.GetString()!;
        if (content.ValueKind != JsonValueKind.Array) throw ApiError.BadRequest($"{at}.content must be a string or an array of text parts.", $"{at}.content");
        var text = new System.Text.StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || !type.ValueEquals("text")
                || !part.TryGetProperty("text", out var piece) || piece.ValueKind != JsonValueKind.String)
                throw ApiError.BadRequest($"{at}.content has a part that is not {{\"type\": \"text\", \"text\": ...}}; only text is supported.", $"{at}.content");
            text.Append(piece.GetString());
        }
        return text.ToString();
    }

    private static string ReadPrompt(JsonElement body)
    {
        if (!body.TryGetProperty("prompt", out var prompt)) throw ApiError.BadRequest("'prompt' is required: a string.", "prompt");
        if (prompt.ValueKind == JsonValueKind.String) return prompt.GetString()!;
        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String) return prompt[0].GetString()!;
        throw ApiError.BadRequest("'prompt' must be one string (batches of prompts and token arrays are not supported; send one request each).", "prompt");
    }

    private static string[] Stops(JsonElement body)
    {
        if (!body.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null) return [];
        var stops = stop.ValueKind switch
        {
            JsonValueKind.String => [stop.GetString()!],
            JsonValueKind.Array when stop.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String) => stop.EnumerateArray().Select(s => s.GetString()!).ToArray(),
            _ => throw ApiError.BadRequest("'stop' must be a string or an array of strings.", "stop"),
        };
        if (stops.Length > MaxStops || stops.Any(string.IsNullOrEmpty))
            throw ApiError.BadRequest($"'stop' takes at most {MaxStops} non-empty strings.", "stop");
        return stops;
    }

    private static string? String(JsonElement body, string name, string? at = null) =>
        Get(body, name) is not { } v ? null
        : v.ValueKind == JsonValueKind.String ? v.GetString() : throw ApiError.BadRequest($"'{Path(at, name)}' must be a string.", Path(at, name));

    private static double? Number(JsonElement body, string name) =>
        Get(body, name) is not { } v ? null
        : v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw ApiError.BadRequest($"'{name}' must be a number.", name);

    private static int? Int(JsonElement body, string name) =>
        Get(body, name) is not { } v ? null
        : v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw ApiError.BadRequest($"'{name}' must be an integer.", name);

    private static bool? Bool(JsonElement body, string name) =>
        Get(body, name) is not { } v ? null
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : throw ApiError.BadRequest($"'{name}' must be true or false.", name);

    private static JsonElement? Get(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static string Path(string? at, string name) => at is null ? name : $"{at}.{name}";
}
