using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;

namespace OnnxKto.Tests.Data.ChatTemplates;

/// <summary>Expected strings are what the models' Jinja templates render (trim_blocks, lstrip_blocks) for the same turns.</summary>
[TestClass]
public sealed class ChatTemplateRenderingTests
{
    private static readonly ChatMessage System = new("system", "S");
    private static readonly ChatMessage User = new("user", "U");
    private static readonly ChatMessage Assistant = new("assistant", "A");

    [TestMethod]
    public void ChatMLRendersEachTurnAndTheGenerationPrompt()
    {
        var template = new ChatMLTemplate();
        Assert.AreEqual("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n",
            template.Render([System, User, Assistant], false, "", "<|im_end|>"));
        Assert.AreEqual("<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n", template.Render([User], true, "", "<|im_end|>"));
    }

    [TestMethod]
    public void ChatMLWithADefaultSystemMessageAddsItOnlyWhenMissing()
    {
        var template = new ChatMLTemplate("You are a helpful assistant.");
        Assert.AreEqual("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n",
            template.Render([User], true, "", "<|im_end|>"));
        Assert.AreEqual("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n",
            template.Render([System, User], false, "", "<|im_end|>"));
    }

    [TestMethod]
    public void Llama3PutsBosFirstTrimsContentAndEndsTurnsWithEotId()
    {
        var template = new Llama3Template();
        Assert.AreEqual(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>" +
            "<|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\nA<|eot_id|>",
            template.Render([new ChatMessage("system", " S\n"), User, new ChatMessage("assistant", "A  ")], false, "<|begin_of_text|>", "<|eot_id|>"));
        Assert.AreEqual("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nU<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            template.Render([User], true, "<|begin_of_text|>", "<|eot_id|>"));
    }

    [TestMethod]
    public void ZephyrEndsEachTurnWithEosAndANewline()
    {
        var template = new ZephyrTemplate();
        Assert.AreEqual("<|system|>\nS</s>\n<|user|>\nU</s>\n<|assistant|>\nA</s>\n",
            template.Render([System, User, Assistant], false, "<s>", "</s>"));
        Assert.AreEqual("<|user|>\nU</s>\n<|assistant|>\n", template.Render([User], true, "<s>", "</s>"));
        Assert.AreEqual("<|user|>\nU</s>\n", template.Render([new ChatMessage("tool", "T"), User], false, "<s>", "</s>"));
    }

    [TestMethod]
    public void MistralWrapsUserTurnsInInstAndHasNoGenerationPrompt()
    {
        var template = new MistralTemplate();
        Assert.AreEqual("<s>[INST] U [/INST]A</s>[INST] V [/INST]",
            template.Render([User, Assistant, new ChatMessage("user", "V")], true, "<s>", "</s>"));
    }

    [TestMethod]
    public void MistralRefusesWhatItsJinjaRefuses()
    {
        var template = new MistralTemplate();
        StringAssert.Contains(Assert.ThrowsExactly<UserError>(() => template.Render([System, User], false, "<s>", "</s>")).Message, "'system'");
        StringAssert.Contains(Assert.ThrowsExactly<UserError>(() => template.Render([User, User], false, "<s>", "</s>")).Message, "alternating");
    }

    [TestMethod]
    [DataRow("chatml", "A<|im_end|>\n")]
    [DataRow("llama3", "A<|eot_id|>")]
    [DataRow("zephyr", "A</s>\n")]
    [DataRow("mistral", "A</s>")]
    public void PromptWithGenerationPromptIsAPrefixAndTheRestIsTheCompletion(string name, string completion)
    {
        var eos = name switch { "chatml" => "<|im_end|>", "llama3" => "<|eot_id|>", _ => "</s>" };
        var template = ChatTemplateCatalog.ByName(name);
        var prompt = template.Render([User], true, "<s>", eos);
        var full = template.Render([User, Assistant], false, "<s>", eos);

        Assert.IsTrue(full.StartsWith(prompt, StringComparison.Ordinal), full);
        Assert.AreEqual(completion, full[prompt.Length..]);
    }
}
