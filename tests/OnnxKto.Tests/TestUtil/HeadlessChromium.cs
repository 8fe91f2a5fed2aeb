using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace OnnxKto.Tests.TestUtil;

/// <summary>
/// Debian's <c>chromium</c>, headless, driven over the DevTools protocol (one page, JSON commands on a WebSocket):
/// enough to load a page, run script in it and read values back. A missing chromium fails the test, saying what installs it.
/// </summary>
internal sealed partial class HeadlessChromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";
    private readonly Process _process;
    private readonly TempFolder _profile;
    private readonly ClientWebSocket _socket = new();
    private int _nextId;

    private HeadlessChromium(Process process, TempFolder profile)
    {
        _process = process;
        _profile = profile;
    }

    /// <summary>Starts chromium on about:blank and attaches to its page.</summary>
    public static async Task<HeadlessChromium> StartAsync()
    {
        if (!File.Exists(Executable)) Assert.Fail($"{Executable} is not installed: `make test` installs Debian's chromium before running the tests.");
        var profile = new TempFolder();
        var start = new ProcessStartInfo(Executable, ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--remote-debugging-port=0", $"--user-data-dir={profile.Path}", "about:blank"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        var browser = new HeadlessChromium(Process.Start(start)!, profile);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        string? port = null;
        while (port is null && await browser._process.StandardError.ReadLineAsync(timeout.Token) is { } line)
            if (DevToolsLine().Match(line) is { Success: true } m) port = m.Groups[1].Value;
        if (port is null) Assert.Fail("chromium exited without opening the DevTools port");
        _ = browser._process.StandardError.ReadToEndAsync();
        _ = browser._process.StandardOutput.ReadToEndAsync();
        using var http = new HttpClient();
        var targets = await http.GetFromJsonAsync<JsonArray>($"http://127.0.0.1:{port}/json/list", timeout.Token);
        var page = targets!.First(t => (string?)t!["type"] == "page")!;
        await browser._socket.ConnectAsync(new Uri((string)page["webSocketDebuggerUrl"]!), timeout.Token);
        return browser;
    }

    /// <summary>Loads <paramref name="url"/> and waits until its document has loaded.</summary>
    public async Task NavigateAsync(Uri url)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() });
        await WaitForAsync("document.readyState === 'complete' && location.href !== 'about:blank'");
    }

    /// <summary>Runs <paramref name="expression"/> in the page (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<JsonNode?> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true });
        if (result["exceptionDetails"] is { } error) Assert.Fail($"script failed: {expression}\n{error.ToJsonString()}");
        return result["result"]!["value"]?.DeepClone();
    }

    /// <summary>Polls <paramref name="condition"/> until it is true (failing after <paramref name="seconds"/>).</summary>
    public async Task WaitForAsync(string condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while ((bool?)await EvaluateAsync($"!!({condition})") != true)
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {condition}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _profile.Dispose();
    }

    // One command; events that arrive meanwhile are skipped.
    private async Task<JsonNode> SendAsync(string method, JsonObject parameters)
    {
        int id = ++_nextId;
        var bytes = Encoding.UTF8.GetBytes(new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _socket.SendAsync(bytes, WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1 << 16];
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult received;
            do
            {
                received = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, received.Count);
            }
            while (!received.EndOfMessage);
            var reply = JsonNode.Parse(message.ToArray())!;
            if ((int?)reply["id"] != id) continue;
            if (reply["error"] is { } error) Assert.Fail($"{method} failed: {error.ToJsonString()}");
            return reply["result"]!;
        }
    }

    [GeneratedRegex(@"DevTools listening on ws://[^:]+:(\d+)/")]
    private static partial Regex DevToolsLine();
}
