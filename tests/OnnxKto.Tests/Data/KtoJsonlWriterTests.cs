using OnnxKto.Data;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Data;

[TestClass]
public sealed class KtoJsonlWriterTests
{
    [TestMethod]
    public void WritesTrlLinesThatLoadBack()
    {
        using var dir = new TempFolder();
        var file = dir.File("out.jsonl");
        var at = new RowLocation("in", 1, false);
        KtoExample[] examples =
        [
            new TextExample("Q \"1\"", "é", true, at),
            new ConversationExample([new ChatMessage("user", "Hi")], [new ChatMessage("assistant", "Yo")], false, at),
        ];
        var idsFile = dir.File("ids.jsonl");

        KtoJsonlWriter.Write(examples, file);
        KtoJsonlWriter.Write([new TokenIdsExample([1, 2], [3], true, at)], idsFile);

        var lines = File.ReadAllLines(file);
        Assert.AreEqual("{\"prompt\":\"Q \\\"1\\\"\",\"completion\":\"é\",\"label\":true}", lines[0]);
        Assert.AreEqual("{\"prompt\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"completion\":[{\"role\":\"assistant\",\"content\":\"Yo\"}],\"label\":false}", lines[1]);
        var back = KtoDataset.Load(file).Examples;
        Assert.AreEqual(examples[0] with { Origin = new RowLocation(file, 1, true) }, back[0]);
        Assert.AreEqual("assistant", ((ConversationExample)back[1]).Completion.Single().Role);
        Assert.AreEqual("{\"prompt_ids\":[1,2],\"completion_ids\":[3],\"label\":true}", File.ReadAllText(idsFile).TrimEnd());
    }
}
