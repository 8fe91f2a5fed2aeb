using System.Diagnostics;
using System.Text.Json.Nodes;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Serving;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Serving;

/// <summary>
/// The official npm <c>openai</c> client (<c>OpenAiClient/chat.js</c>, installed by <c>make openai-client</c>) chats with
/// the server unchanged, plainly and streamed, and sees its errors as OpenAI's.
/// </summary>
[TestClass]
public sealed class OpenAiClientTests
{
    [TestMethod]
    public async Task TheNpmOpenAiClientChatsPlainlyAndStreamed()
    {
        var client = Path.Combine(RepoPaths.Root, "tests", "OnnxKto.Tests", "Serving", "OpenAiClient");
        if (!Directory.Exists(Path.Combine(client, "node_modules", "openai")))
            Assert.Fail("The npm openai package is not installed: `make openai-client` (part of `make test`) installs it with npm.");
        using var dir = new TempFolder();
        using var model = InferenceModel.Open("preset:gpt2-tiny");
        var template = ChatTemplateCatalog.ByName("chatml");
        await using var host = await ServingHost.StartAsync(model, template, new ServeSettings { Port = 0, ModelName = "tiny", Database = dir.File("f.db"), Log = _ => { } });

        var start = new ProcessStartInfo("node", ["chat.js", new Uri(host.Address, "v1").ToString(), "tiny"])
        {
            WorkingDirectory = client, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var output = node.StandardOutput.ReadToEndAsync();
        var error = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.AreEqual(0, node.ExitCode, await error);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToDictionary(l => (string)l["kind"]!);

        // What our generator makes of the conversation rendered by the template, greedy, 6 tokens.
        var prompt = model.Tokenizer.Encode(template.Render([new ChatMessage("user", "Say something.")], true, "<|endoftext|>", "<|endoftext|>"));
        var options = new GenerationOptions { MaxNewTokens = 6 };
        var generator = new TextGenerator(model);
        var ids = generator.Generate([prompt], options)[0];
        var expected = generator.Completion(prompt, ids, options).Text;
        foreach (var kind in new[] { "plain", "stream" })
        {
            var line = lines[kind];
            Assert.AreEqual(expected, (string?)line["content"], kind);
            Assert.AreEqual(ids.Length == 6 ? "length" : "stop", (string?)line["finish"], kind);
            Assert.AreEqual(ids.Length, (int)line["usage"]!["completion_tokens"]!, kind);
            Assert.AreEqual(prompt.Length, (int)line["usage"]!["prompt_tokens"]!, kind);
            StringAssert.StartsWith((string?)line["id"], "chatcmpl-");
        }
        Assert.AreEqual(400, (int)lines["error"]["status"]!);
        Assert.AreEqual("model_not_found", (string?)lines["error"]["code"]);
    }
}
