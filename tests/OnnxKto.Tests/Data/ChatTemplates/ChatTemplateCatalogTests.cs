using System.Text.Json;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.ChatTemplates.Jinja;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.ChatTemplates;

[TestClass]
public sealed class ChatTemplateCatalogTests
{
    private const string ChatML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private const string Llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    private const string Zephyr = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";
    private const string Mistral = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    private static readonly IReadOnlyList<ChatMessage> Hi = [new("user", "Hi")];

    [TestMethod]
    public void TheFolderTemplateRendersWithTheFoldersSpecialTokens()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer_config.json", JsonSerializer.Serialize(new
        {
            chat_template = Mistral,
            bos_token = new { content = "<s>", lstrip = false },
            eos_token = (string?)null,
        }));
        dir.WriteText("special_tokens_map.json", JsonSerializer.Serialize(new { eos_token = "</s>", unk_token = "<unk>" }));

        var template = ChatTemplateCatalog.FromTokenizerFolder(dir.Path)!;

        Assert.AreEqual("<s>[INST] Hi [/INST]", template.Render(Hi, true, "<ignored>", "<ignored>"));
        CollectionAssert.AreEqual(new[] { "bos_token=<s>", "eos_token=</s>", "unk_token=<unk>" },
            template.SpecialTokens!.Select(kv => $"{kv.Key}={kv.Value}").ToArray());
        StringAssert.Contains(template.Name, "tokenizer_config.json");
    }

    [TestMethod]
    public void ATokenTheTokenizerLacksIsUndefinedAndKwargsAreVariables()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer_config.json", "{\"bos_token\": null, \"eos_token\": \"<|im_end|>\"}");
        dir.WriteText("chat_template.jinja", "{{ bos_token is defined }}|{{ eos_token }}|{{ enable_thinking }}|{{ messages[0].content }}\n");

        var template = ChatTemplateCatalog.FromTokenizerFolder(dir.Path, new Dictionary<string, object?> { ["enable_thinking"] = false })!;

        Assert.AreEqual("False|<|im_end|>|False|Hi", template.Render(Hi, false, "<s>", "</s>"));
        Assert.AreEqual(Path.Combine(dir.Path, "chat_template.jinja"), template.Name);
    }

    [TestMethod]
    public void NamedTemplatesUseDefaultAndAFolderWithoutTemplateGivesNull()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer_config.json", "{\"eos_token\": \"</s>\"}");
        Assert.IsNull(ChatTemplateCatalog.FromTokenizerFolder(dir.Path));

        dir.WriteText("tokenizer_config.json", JsonSerializer.Serialize(new
        {
            chat_template = new[] { new { name = "tool_use", template = "tools" }, new { name = "default", template = ChatML } },
        }));
        Assert.AreEqual("<|im_start|>user\nHi<|im_end|>\n", ChatTemplateCatalog.FromTokenizerFolder(dir.Path)!.Render(Hi, false, "", ""));

        dir.WriteText("tokenizer_config.json", JsonSerializer.Serialize(new { chat_template = new[] { new { name = "tool_use", template = "tools" } } }));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => ChatTemplateCatalog.FromTokenizerFolder(dir.Path));
        StringAssert.Contains(e.Message, "none is 'default'");
    }

    [TestMethod]
    [DataRow(ChatML, "chatml")]
    [DataRow(Llama3, "llama3")]
    [DataRow(Zephyr, "zephyr")]
    [DataRow(Mistral, "mistral")]
    public void TheBuiltInsRenderAsTheirJinjaSources(string jinja, string name)
    {
        IReadOnlyList<ChatMessage> chat = [new("user", " Hi "), new("assistant", "Hello\n"), new("user", "Bye")];
        var folder = new JinjaChatTemplate(JinjaTemplate.Parse(jinja, name));
        foreach (var generation in new[] { true, false })
            Assert.AreEqual(folder.Render(chat, generation, "<s>", "</s>"), ChatTemplateCatalog.ByName(name).Render(chat, generation, "<s>", "</s>"));
    }

    [TestMethod]
    public void ANameChoosesABuiltInOverTheFolder()
    {
        using var dir = new TempFolder();
        dir.WriteText("chat_template.jinja", Zephyr);
        Assert.IsInstanceOfType<JinjaChatTemplate>(ChatTemplateCatalog.Resolve(null, dir.Path));
        Assert.IsInstanceOfType<ChatMLTemplate>(ChatTemplateCatalog.Resolve("chatml", dir.Path));
    }

    [TestMethod]
    public void ABrokenFolderTemplateNamesItsFileAndLine()
    {
        using var dir = new TempFolder();
        dir.WriteText("chat_template.jinja", "{% for m in messages %}\n{{ m.content }}\n{% endfro %}");
        var e = Assert.ThrowsExactly<JinjaException>(() => ChatTemplateCatalog.FromTokenizerFolder(dir.Path));
        StringAssert.StartsWith(e.Message, Path.Combine(dir.Path, "chat_template.jinja") + " line 3: unsupported tag 'endfro'");
    }

    [TestMethod]
    public void UnknownNameListsTheBuiltIns()
    {
        var e = Assert.ThrowsExactly<UserError>(() => ChatTemplateCatalog.ByName("vicuna"));
        StringAssert.Contains(e.Message, "chatml, llama3, zephyr, mistral");
        Assert.IsInstanceOfType<Llama3Template>(ChatTemplateCatalog.ByName("Llama3"));
    }
}
