using System.Text;
using System.Text.Json.Nodes;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.ChatTemplates.Jinja;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.ChatTemplates.Jinja;

/// <summary>
/// Every template in <c>Golden/templates/</c> (real templates of the families people align, see <c>SOURCES.md</c>),
/// rendered on the conversations of <c>Golden/cases.json</c>, must equal what Python's jinja2 rendered, configured as
/// transformers configures it (<c>Golden/golden.jsonl</c>, written by <c>Golden/make_golden.py</c>). Where jinja2
/// raised, the C# rendering must raise too, with the template's own message for <c>raise_exception</c>.
/// </summary>
[TestClass]
public sealed class JinjaGoldenTests
{
    private static readonly string Folder = Path.Combine(RepoPaths.Root, "tests", "OnnxKto.Tests", "Data", "ChatTemplates", "Golden");
    private static readonly DateTime GoldenNow = new(2026, 1, 15, 12, 0, 0);

    private static readonly Lazy<Dictionary<string, JsonObject>> Cases = new(() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json")))!.AsArray().Cast<JsonObject>()
            .ToDictionary(c => (string)c["name"]!));

    private static readonly Lazy<List<JsonObject>> Golden = new(() =>
        File.ReadLines(Path.Combine(Folder, "golden.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList());

    public static IEnumerable<object[]> Templates() =>
        Directory.EnumerateFiles(Path.Combine(Folder, "templates"), "*.jinja").Select(Path.GetFileName).Order().Select(f => new object[] { f! });

    [TestMethod]
    public void EveryTemplateHasGoldenRenderings()
    {
        var rendered = Golden.Value.Select(r => (string)r["template"]!).ToHashSet();
        CollectionAssert.AreEquivalent(Templates().Select(t => (string)t[0]).ToList(), rendered.ToList());
        Assert.IsTrue(Golden.Value.Count(r => r.ContainsKey("error")) > 10, "the goldens include templates refusing inputs");
    }

    [TestMethod]
    [DynamicData(nameof(Templates))]
    public void RendersAsJinja2Does(string file)
    {
        var tokens = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, "special_tokens.json")))![file]!.AsObject();
        var source = File.ReadAllText(Path.Combine(Folder, "templates", file));
        var failures = new StringBuilder();
        int checkedRows = 0;
        foreach (var row in Golden.Value.Where(r => (string)r["template"]! == file))
        {
            var name = (string)row["case"]!;
            var @case = Cases.Value[name];
            var kwargs = @case["kwargs"]?.DeepClone().AsObject();
            var template = new JinjaChatTemplate(JinjaTemplate.Parse(source, file), (JsonObject)tokens.DeepClone(), kwargs) { Clock = () => GoldenNow };
            string? text = null;
            Exception? error = null;
            try
            {
                text = template.Apply(@case["messages"]!.DeepClone().AsArray(), (bool?)@case["add_generation_prompt"] ?? false,
                    (bool?)@case["continue_final_message"] ?? false, @case["tools"]?.DeepClone().AsArray());
            }
            catch (UserError e)
            {
                error = e;
            }
            checkedRows++;
            if (row["text"] is { } expected)
            {
                if (text != (string)expected!)
                    failures.AppendLine($"{name}: expected\n{Show((string)expected!)}\ngot\n{(text is null ? error!.Message : Show(text))}\n");
            }
            else if (error is null)
                failures.AppendLine($"{name}: jinja2 raised {row["error_type"]}: {row["error"]}, but we rendered\n{Show(text!)}\n");
            else if ((string)row["error_type"]! == "TemplateError"
                     && (error is not JinjaRaisedException raised || raised.Reason != (string)row["error"]!))
                failures.AppendLine($"{name}: expected raise_exception('{row["error"]}'), got {error.GetType().Name}: {error.Message}\n");
        }
        Assert.IsTrue(checkedRows > 0, $"no goldens for {file}");
        Assert.AreEqual(0, failures.Length, $"{file}:\n{failures}");
    }

    private static string Show(string text) => text.Replace("\n", "⏎\n");
}
