using System.Diagnostics;
using System.Text.Json.Nodes;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Cli;

/// <summary><c>onnx-kto data render</c> and <c>data inspect</c> with a model folder's own Jinja template and <c>chat_template_kwargs</c>.</summary>
[TestClass]
public sealed class DataRenderCommandTests
{
    [TestMethod]
    public void RenderWritesWhatTrainingSeesWithTheFoldersTemplate()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        OnnxKto.Models.Tokenizers.Gpt2TokenizerFiles.Write(model);  // GPT-2's byte-level tokenizer: any text has tokens
        File.WriteAllText(Path.Combine(model, "chat_template.jinja"),
            "{% for m in messages %}<{{ m.role }}>{% if m.role == 'assistant' and enable_thinking is false %}(no thinking){% endif %}{{ m.content }}\n{% endfor %}" +
            "{% if add_generation_prompt %}<assistant>{% if enable_thinking is false %}(no thinking){% endif %}{% endif %}\n");
        var data = dir.WriteText("d.jsonl",
            "{\"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}], \"completion\": [{\"role\": \"assistant\", \"content\": \"yo\"}], \"label\": true}\n");

        var (code, output, error) = Run("data", "render", "-m", model, "-d", data, "-o", dir.File("out.jsonl"), "--set", "chat_template_kwargs={enable_thinking: false}");

        Assert.AreEqual(0, code, error);
        StringAssert.Contains(output, "chat template: " + Path.Combine(model, "chat_template.jinja") + " with {\"enable_thinking\":false}");
        StringAssert.Contains(output, "tokenizer: tokenizer.json");
        var row = JsonNode.Parse(File.ReadAllLines(dir.File("out.jsonl")).Single())!.AsObject();
        Assert.AreEqual("<user>hi\n<assistant>(no thinking)", (string)row["prompt_text"]!);
        Assert.AreEqual("yo\n", (string)row["completion_text"]!);
        var tokenizer = ModelTokenizer.Load(model);
        CollectionAssert.AreEqual(tokenizer.Encode("<user>hi\n<assistant>(no thinking)"), row["prompt_ids"]!.AsArray().Select(n => (int)n!).ToArray());
        Assert.IsTrue((bool)row["label"]!);

        var inspect = Run("data", "inspect", data, "--model", model);
        Assert.AreEqual(0, inspect.Code, inspect.Error);
        StringAssert.Contains(inspect.Output, "chat template: " + Path.Combine(model, "chat_template.jinja"));
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "onnx-kto.dll"), .. args])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
