using System.Text.Json;
using OnnxKto.Models;

namespace OnnxKto.Tests.Models.Tokenizers.Pipeline;

/// <summary>A <c>tokenizer.json</c> component written inline in a test.</summary>
internal static class PipelineParts
{
    public static JsonFields Json(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), "tokenizer.json");
}
