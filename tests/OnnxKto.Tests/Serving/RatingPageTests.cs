using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Serving;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Serving;

/// <summary>The rating page in headless chromium: send a message, watch the answer arrive, rate it, find the rating in SQLite.</summary>
[TestClass]
public sealed class RatingPageTests
{
    [TestMethod]
    public async Task APersonChatsAndTheirThumbsUpLandsInTheDatabaseAndNoTextRunsAsHtml()
    {
        using var dir = new TempFolder();
        using var model = InferenceModel.Open("preset:gpt2-tiny");
        await using var host = await ServingHost.StartAsync(model, ChatTemplateCatalog.ByName("chatml"),
            new ServeSettings { Port = 0, ModelName = "tiny", Database = dir.File("f.db"), DefaultMaxTokens = 8, Log = _ => { } });
        await using var browser = await HeadlessChromium.StartAsync();
        await browser.NavigateAsync(host.Address);
        await browser.WaitForAsync("document.querySelector('#model option')?.value === 'tiny'");

        // Markup typed by a person must show as text, as model output does (both go through the same bubble).
        const string typed = "<img src=x onerror=\"window.pwned = 1\"> hello <script>window.pwned = 2</script>";
        await browser.EvaluateAsync($"document.getElementById('input').value = {System.Text.Json.JsonSerializer.Serialize(typed)}");
        await browser.EvaluateAsync("document.getElementById('send').click()");
        await browser.WaitForAsync("document.querySelector('.message.assistant .rate-up')");
        await browser.EvaluateAsync("document.querySelector('.message.assistant .rate-up').click()");
        await browser.WaitForAsync("document.querySelector('.rated')");

        Assert.AreEqual(typed, (string?)await browser.EvaluateAsync("document.querySelector('.message.user .text').textContent"));
        Assert.AreEqual(0, (int)(await browser.EvaluateAsync("document.querySelectorAll('#log img, #log script').length"))!);
        Assert.IsNull(await browser.EvaluateAsync("window.pwned"), "no typed markup ran");
        var id = (string?)await browser.EvaluateAsync("document.querySelector('.message.assistant').dataset.id");
        var shown = (string?)await browser.EvaluateAsync("document.querySelector('.message.assistant .text').textContent");

        using var store = new FeedbackStore(dir.File("f.db"));
        var rated = store.Rated().Single();
        Assert.AreEqual(id, rated.Id);
        Assert.AreEqual(true, rated.Label);
        Assert.AreEqual(typed, rated.Messages![0].Content);
        Assert.AreEqual(rated.Completion, shown, "the page shows the stored answer, as text");
    }
}
