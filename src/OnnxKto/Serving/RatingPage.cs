using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace OnnxKto.Serving;

/// <summary>The rating page's files (<c>Serving/Page/</c>), embedded in the assembly and served as they are.</summary>
public static class RatingPage
{
    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8", [".js"] = "text/javascript; charset=utf-8", [".css"] = "text/css; charset=utf-8",
    };

    /// <summary>The page file <paramref name="name"/> (e.g. <c>app.js</c>), or 404.</summary>
    public static IResult File(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"OnnxKto.Serving.Page.{name}");
        if (stream is null || !Types.TryGetValue(Path.GetExtension(name), out var type))
            throw new ApiError(404, $"The page has no file '{name}'.", "not_found");
        using var reader = new StreamReader(stream);
        return Results.Content(reader.ReadToEnd(), type);
    }
}
