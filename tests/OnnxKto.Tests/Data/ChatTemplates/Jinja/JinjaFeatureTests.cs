using System.Text.Json.Nodes;
using OnnxKto.Data.ChatTemplates.Jinja;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.ChatTemplates.Jinja;

/// <summary>
/// One Jinja feature per small template (<c>Golden/features.json</c>: whitespace control, loops, scoping, macros,
/// filters, tests, slicing, string methods, Python printing, <c>tojson</c>, errors) against what Python's jinja2
/// rendered (<c>Golden/features.golden.jsonl</c>, written by <c>Golden/make_golden.py</c>). Errors must match
/// jinja2's type and message.
/// </summary>
[TestClass]
public sealed class JinjaFeatureTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tests", "OnnxKto.Tests", "Data", "ChatTemplates", "Golden");

    public static IEnumerable<object[]> Features()
    {
        var golden = File.ReadLines(Path.Combine(Folder, "features.golden.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .ToDictionary(r => (string)r["name"]!);
        foreach (var feature in JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "features.json")))!.AsArray().Cast<JsonObject>())
            yield return [(string)feature["name"]!, feature.ToJsonString(), golden[(string)feature["name"]!].ToJsonString()];
    }

    [TestMethod]
    [DynamicData(nameof(Features))]
    public void RendersAsJinja2Does(string name, string featureJson, string goldenJson)
    {
        var feature = JsonNode.Parse(featureJson)!.AsObject();
        var golden = JsonNode.Parse(goldenJson)!.AsObject();
        var template = JinjaTemplate.Parse((string)feature["template"]!, name);
        var vars = feature["vars"]!.AsObject().ToDictionary(kv => kv.Key, kv => kv.Value?.DeepClone());
        if (golden["text"] is { } text)
        {
            Assert.AreEqual((string)text!, template.Render(vars, new DateTime(2026, 1, 15, 12, 0, 0)));
            return;
        }
        var error = Assert.Throws<JinjaException>(() => template.Render(vars, DateTime.Now), name);
        var type = (string)golden["error_type"]!;
        if (type == "TemplateError")
        {
            Assert.IsInstanceOfType<JinjaRaisedException>(error);
            Assert.AreEqual((string)golden["error"]!, error.Reason);
            Assert.AreEqual(3, error.Line);
        }
        else Assert.AreEqual($"{type}: {golden["error"]}", error.Reason);
    }

    [TestMethod]
    public void ErrorsNameTheTemplateLine()
    {
        var e = Assert.ThrowsExactly<JinjaException>(() => JinjaTemplate.Parse("a\n{{ x }}\n{% include 'other.jinja' %}", "t.jinja"));
        Assert.AreEqual("t.jinja line 3: unsupported tag 'include' (this engine knows if, for, set, macro, break, continue, generation).", e.Message);
        var filter = Assert.ThrowsExactly<JinjaException>(() => JinjaTemplate.Parse("\n{{ x | urlencode }}", "t.jinja").Render(new Dictionary<string, JsonNode?>(), DateTime.Now));
        StringAssert.StartsWith(filter.Message, "t.jinja line 2: unsupported filter 'urlencode'");
        var syntax = Assert.ThrowsExactly<JinjaException>(() => JinjaTemplate.Parse("{% if x %}\nno end", "t.jinja"));
        StringAssert.StartsWith(syntax.Message, "t.jinja line 2: the template ended where '{% endif %}' was expected");
    }
}
