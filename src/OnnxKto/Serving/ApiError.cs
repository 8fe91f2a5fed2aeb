using System.Text.Json.Nodes;

namespace OnnxKto.Serving;

/// <summary>
/// A request the server refuses, answered with <see cref="Status"/> and OpenAI's error body
/// <c>{"error": {"message", "type", "param", "code"}}</c>.
/// </summary>
/// <param name="status">HTTP status, e.g. 400.</param>
/// <param name="message">What is wrong and how to fix it.</param>
/// <param name="code">OpenAI's error code, e.g. <c>model_not_found</c>, or null.</param>
/// <param name="param">The request field at fault, e.g. <c>temperature</c>, or null.</param>
public sealed class ApiError(int status, string message, string? code = null, string? param = null) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>OpenAI's error code, or null.</summary>
    public string? Code { get; } = code;

    /// <summary>The request field at fault, or null.</summary>
    public string? Param { get; } = param;

    /// <summary>OpenAI's error type for the status: <c>invalid_request_error</c>, <c>authentication_error</c>, ...</summary>
    public string Type => Status switch
    {
        401 => "authentication_error",
        404 => "not_found_error",
        503 => "server_overloaded",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>A bad request (400) naming the field.</summary>
    public static ApiError BadRequest(string message, string? param = null, string? code = null) => new(400, message, code, param);

    /// <summary>The error body.</summary>
    public JsonObject ToJson() => new()
    {
        ["error"] = new JsonObject { ["message"] = Message, ["type"] = Type, ["param"] = Param, ["code"] = Code },
    };
}
