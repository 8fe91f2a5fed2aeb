using System.Text.Json;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.ChatTemplates;

[TestClass]
public sealed class ChatTemplateCatalogTests
{
    private const string ChatML = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private const string Qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
    private const string Llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    private const string Zephyr = "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";
    private const string Mistral = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}";

    [TestMethod]
    [DataRow(ChatML, typeof(ChatMLTemplate))]
    [DataRow(Llama3, typeof(Llama3Template))]
    [DataRow(Zephyr, typeof(ZephyrTemplate))]
    [DataRow(Mistral, typeof(MistralTemplate))]
    public void RecognisesTheTemplateOfATokenizerConfig(string jinja, Type expected)
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer_config.json", JsonSerializer.Serialize(new { chat_template = jinja, eos_token = "</s>" }));

        Assert.IsInstanceOfType(ChatTemplateCatalog.FromTokenizerFolder(dir.Path), expected);
    }

    [TestMethod]
    public void ChatMLTemplatesKeepTheirDefaultSystemMessage()
    {
        var template = (ChatMLTemplate)ChatTemplateCatalog.Recognize(Qwen2, "test");
        Assert.AreEqual("You are a helpful assistant.", template.DefaultSystemMessage);
        Assert.IsNull(((ChatMLTemplate)ChatTemplateCatalog.Recognize(ChatML, "test")).DefaultSystemMessage);
    }

    [TestMethod]
    [DataRow("{% if messages[0]['role'] == 'system' %}{{ '<<SYS>>\\n' }}{% endif %}{{ '[INST] ' }}", "Llama 2")]
    [DataRow("{{ '<|start_header_id|>system<|end_header_id|>\\n\\nCutting Knowledge Date: December 2023' }}", "Llama 3.1")]
    [DataRow("{{ '<start_of_turn>user\\n' }}", "none of the markers")]
    public void UnsupportedTemplatesSayHowToChooseOne(string jinja, string why)
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ChatTemplateCatalog.Recognize(jinja, "model/tokenizer_config.json"));
        StringAssert.Contains(e.Message, why);
        StringAssert.Contains(e.Message, "chatml, llama3, zephyr, mistral");
    }

    [TestMethod]
    public void ChatTemplateJinjaFileWinsAndAFolderWithoutTemplateGivesNull()
    {
        using var dir = new TempFolder();
        dir.WriteText("tokenizer_config.json", "{\"eos_token\": \"</s>\"}");
        Assert.IsNull(ChatTemplateCatalog.FromTokenizerFolder(dir.Path));

        dir.WriteText("chat_template.jinja", Zephyr);
        Assert.IsInstanceOfType<ZephyrTemplate>(ChatTemplateCatalog.FromTokenizerFolder(dir.Path));
    }

    [TestMethod]
    public void UnknownNameListsTheBuiltIns()
    {
        var e = Assert.ThrowsExactly<UserError>(() => ChatTemplateCatalog.ByName("vicuna"));
        StringAssert.Contains(e.Message, "chatml, llama3, zephyr, mistral");
        Assert.IsInstanceOfType<Llama3Template>(ChatTemplateCatalog.ByName("Llama3"));
    }
}
