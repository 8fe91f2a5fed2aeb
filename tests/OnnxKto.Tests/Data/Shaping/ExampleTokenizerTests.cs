using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.ChatTemplates.Jinja;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data.Shaping;

/// <summary>
/// Conversations as TRL's <c>maybe_apply_chat_template</c> renders them, with a folder-style Jinja template and
/// <see cref="CharTokenizer"/> ids (one per character; specials 1000+): the texts are written out by hand.
/// </summary>
[TestClass]
public sealed class ExampleTokenizerTests
{
    private static readonly RowLocation At = new("t.jsonl", 3, true);

    private const string ChatML =
        "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    private static ChatTemplate Jinja(string source) => new JinjaChatTemplate(JinjaTemplate.Parse(source, "chat_template.jinja"));

    private static RenderedRow Render(ITextTokenizer tokenizer, ChatTemplate template, ConversationExample example) =>
        DataRenderer.Render(new KtoDataset([example], ["t.jsonl"], 1, 0, 0, []), tokenizer, template, skipInvalid: false).Single();

    private static int[] Ids(ITextTokenizer tokenizer, string text) => tokenizer.Encode(text);

    [TestMethod]
    public void ThePromptGetsTheGenerationPromptAndTheCompletionIsTheRest()
    {
        var tokenizer = new CharTokenizer(eos: "<|im_end|>", others: ["<|im_start|>"]);
        var row = Render(tokenizer, Jinja(ChatML), new ConversationExample([new("user", "hi")], [new("assistant", "yo")], true, At));

        Assert.AreEqual("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", row.PromptText);
        Assert.AreEqual("yo<|im_end|>\n", row.CompletionText);
        CollectionAssert.AreEqual(new[] { 121, 111, 1000, 10 }, row.CompletionIds);
        Assert.AreEqual(1001, row.PromptIds[0]);
    }

    [TestMethod]
    public void APromptEndingWithTheAssistantIsContinued()
    {
        var tokenizer = new CharTokenizer(eos: "<|im_end|>", others: ["<|im_start|>"]);
        var row = Render(tokenizer, Jinja(ChatML),
            new ConversationExample([new("user", "2+2?"), new("assistant", "It is")], [new("assistant", " 4.")], true, At));

        // TRL: the prompt ends inside the assistant's message; the completion is everything prompt + completion adds.
        Assert.AreEqual("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\nIt is", row.PromptText);
        Assert.AreEqual("<|im_end|>\n<|im_start|>assistant\n 4.<|im_end|>\n", row.CompletionText);
    }

    [TestMethod]
    public void ABosTheTemplateWritesIsNotAddedTwice()
    {
        var tokenizer = new BosAdding(new CharTokenizer(eos: "</s>", bos: "<s>"));
        var template = Jinja("{{ bos_token }}{% for m in messages %}[{{ m.content }}]{% endfor %}");
        var row = Render(tokenizer, template, new ConversationExample([new("user", "q")], [new("assistant", "a")], true, At));

        Assert.AreEqual("<s>[q]", row.PromptText);
        CollectionAssert.AreEqual(new[] { 1001, 91, 113, 93 }, row.PromptIds);
        CollectionAssert.AreEqual(new[] { 91, 97, 93 }, row.CompletionIds);
    }

    [TestMethod]
    public void APromptTheFullConversationRendersDifferentlyIsAnErrorNamingTheRow()
    {
        var tokenizer = new CharTokenizer();
        var template = Jinja("{% for m in messages %}[{{ m.content }}]{% endfor %}{% if add_generation_prompt %}<think>{% endif %}");
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            Render(tokenizer, template, new ConversationExample([new("user", "q")], [new("assistant", "a")], true, At)));
        StringAssert.StartsWith(e.Message, "t.jsonl, line 3, column 'completion': the chat template chat_template.jinja renders the prompt differently");
    }

    [TestMethod]
    public void TheTemplatesRaiseExceptionNamesTheRow()
    {
        var template = Jinja("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}x");
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Render(new CharTokenizer(), template,
            new ConversationExample([new("system", "s"), new("user", "u")], [new("assistant", "a")], true, At)));
        StringAssert.Contains(e.Message, "t.jsonl, line 3, column 'prompt'");
        StringAssert.Contains(e.Message, "chat_template.jinja line 1: System role not supported");
    }

    /// <summary>A tokenizer that prepends BOS to everything it encodes, as Llama's add_bos_token does.</summary>
    private sealed class BosAdding(CharTokenizer inner) : ITextTokenizer
    {
        public int[] Encode(string text) => [inner.BosTokenId!.Value, .. inner.Encode(text)];
        public string Decode(IReadOnlyList<int> ids) => inner.Decode(ids);
        public int VocabSize => inner.VocabSize;
        public int EosTokenId => inner.EosTokenId;
        public string EosToken => inner.EosToken;
        public int? BosTokenId => inner.BosTokenId;
        public int PadTokenId => inner.PadTokenId;
    }
}
