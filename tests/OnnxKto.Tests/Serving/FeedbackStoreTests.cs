using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OnnxKto.Serving;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Serving;

[TestClass]
public sealed partial class FeedbackStoreTests
{
    /// <summary>
    /// A real <c>onnx-kto serve</c> child process is killed with SIGKILL while ratings stream in. Each rating carries a
    /// sequence number (its comment; its label is the number's parity): every acknowledged one must be on disk, or be
    /// replaced by a later one sent before the kill.
    /// </summary>
    [TestMethod]
    public async Task RatingsAcknowledgedBeforeAKillMinus9AreOnDisk()
    {
        using var dir = new TempFolder();
        var db = dir.File("feedback.db");
        var start = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "onnx-kto.dll"), "serve", "-m", "preset:gpt2-tiny",
            "--port", "0", "--db", db]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var server = Process.Start(start)!;
        try
        {
            using var http = new HttpClient { BaseAddress = await Address(server), Timeout = TimeSpan.FromSeconds(30) };
            var ids = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                using var response = await http.PostAsync("v1/completions", Json(new JsonObject { ["model"] = "gpt2-tiny", ["prompt"] = $"p{i}", ["max_tokens"] = 1 }));
                ids.Add((string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["id"]!);
            }
            var acknowledged = new Dictionary<string, int>();
            var killer = Task.Run(async () =>
            {
                await Task.Delay(Random.Shared.Next(150, 600));
                server.Kill();  // SIGKILL
            });
            for (int seq = 0; ; seq++)
            {
                var id = ids[seq % ids.Count];
                try
                {
                    using var response = await http.PostAsync("v1/feedback", Json(new JsonObject { ["id"] = id, ["label"] = seq % 2 == 0, ["comment"] = seq.ToString() }));
                    Assert.AreEqual(HttpStatusCode.OK, response.StatusCode);
                    acknowledged[id] = seq;
                }
                catch (HttpRequestException)
                {
                    break;  // the server is gone
                }
            }
            await killer;
            server.WaitForExit();
            Assert.AreEqual(137, server.ExitCode, "killed by SIGKILL");
            Assert.IsTrue(acknowledged.Count > 0, "some ratings were acknowledged before the kill");

            using var store = new FeedbackStore(db);
            var rated = store.Rated().ToDictionary(r => r.Id);
            foreach (var (id, seq) in acknowledged)
            {
                Assert.IsTrue(rated.TryGetValue(id, out var row), $"{id}: acknowledged rating {seq} is lost");
                int stored = int.Parse(row.Comment!);
                Assert.IsTrue(stored >= seq, $"{id}: acknowledged rating {seq}, stored {stored}");
                Assert.AreEqual(stored % 2 == 0, row.Label, $"{id}: the label belongs to rating {stored}");
            }
        }
        finally
        {
            if (!server.HasExited) server.Kill();
        }
    }

    [TestMethod]
    public void AFileThatIsNotSqliteIsRefusedByName()
    {
        using var dir = new TempFolder();
        var path = dir.WriteText("feedback.db", new string('x', 4096));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => new FeedbackStore(path));
        StringAssert.Contains(e.Message, path);
    }

    // The address from the server's "serving NAME at http://...:PORT/" line.
    private static async Task<Uri> Address(Process server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await server.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (ServingLine().Match(line) is { Success: true } m)
            {
                // Keep reading the request log, or a full pipe would stall the server.
                _ = server.StandardOutput.ReadToEndAsync();
                _ = server.StandardError.ReadToEndAsync();
                return new Uri(m.Groups[1].Value);
            }
        Assert.Fail($"the server exited without serving: {await server.StandardError.ReadToEndAsync()}");
        return null!;
    }

    private static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    [GeneratedRegex(@"^serving .* at (http://\S+/) ")]
    private static partial Regex ServingLine();
}
