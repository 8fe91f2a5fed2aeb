using System.CommandLine;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Serving;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto serve</c>: an OpenAI-compatible server with a rating page; completions and ratings go to SQLite.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Exported folder (model.onnx), Hugging Face checkpoint folder, or preset:NAME.", Required = true };
        var name = new Option<string?>("--name") { Description = "The model name clients ask for (default: the folder's or preset's name)." };
        var adapter = new Option<string[]>("--adapter") { Description = "NAME=FILE.onnx_adapter (a --adapters genai export of this base), served as model NAME (repeatable)." };
        var host = new Option<string>("--host") { Description = "Address to listen on; loopback unless you say otherwise (0.0.0.0 for every interface).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0: any free one).", DefaultValueFactory = _ => 8000 };
        var db = new Option<string>("--db") { Description = "SQLite file for completions and ratings (created when missing).", DefaultValueFactory = _ => "feedback.db" };
        var apiKey = new Option<string?>("--api-key") { Description = "Require 'Authorization: Bearer KEY' on /v1/ requests." };
        var template = new Option<string?>("--chat-template") { Description = $"Chat template for /v1/chat/completions: {string.Join(", ", ChatTemplateCatalog.Names)} (default: the model folder's)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Most sequences decoded together per model or adapter.", DefaultValueFactory = _ => 16 };
        var maxQueued = new Option<int>("--max-queued") { Description = "Most sequences waiting beyond those decoding; more get 503.", DefaultValueFactory = _ => 256 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "max_tokens when a request gives none.", DefaultValueFactory = _ => 256 };
        var maxBytes = new Option<long>("--max-request-bytes") { Description = "Largest request body; larger ones get 413.", DefaultValueFactory = _ => 1 << 20 };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime intra-op threads (0: its default).", DefaultValueFactory = _ => 0 };
        var command = new Command("serve", "Serve a model with OpenAI's API (/v1/chat/completions, /v1/completions, /v1/models) and a rating page at /; " +
            "every completion and its thumbs up/down go to --db, which 'data feedback' turns into KTO rows.")
        {
            model, name, adapter, host, port, db, apiKey, template, batchSize, maxQueued, maxTokens, maxBytes, threads,
        };
        command.SetAction(parse =>
        {
            var spec = parse.GetValue(model)!;
            var settings = new ServeSettings
            {
                Host = parse.GetValue(host)!, Port = parse.GetValue(port), ModelName = parse.GetValue(name) ?? DefaultName(spec),
                Adapters = Adapters(parse.GetValue(adapter) ?? []), Database = parse.GetValue(db)!, ApiKey = parse.GetValue(apiKey),
                BatchSize = Math.Max(1, parse.GetValue(batchSize)), MaxQueued = Math.Max(0, parse.GetValue(maxQueued)),
                DefaultMaxTokens = parse.GetValue(maxTokens), MaxRequestBytes = parse.GetValue(maxBytes),
                Log = line => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}"),
            };
            if (!System.Net.IPAddress.TryParse(settings.Host, out _) && settings.Host != "localhost")
                throw new UserError($"--host '{settings.Host}' is not an IP address; give one such as 127.0.0.1 or 0.0.0.0.");
            using var inference = InferenceModel.Open(spec, parse.GetValue(threads));
            var chatTemplate = ChatTemplateCatalog.Resolve(parse.GetValue(template), spec);
            return Run(inference, chatTemplate, settings).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> Run(InferenceModel model, ChatTemplate? template, ServeSettings settings)
    {
        await using var host = await ServingHost.StartAsync(model, template, settings);
        var names = string.Join(", ", new[] { settings.ModelName }.Concat(settings.Adapters.Keys));
        // Tests and scripts wait for this line (it carries the port when --port 0 picked one).
        Console.WriteLine($"serving {names} at {host.Address} (rating page at {host.Address}, ratings in {Path.GetFullPath(settings.Database)})");
        if (template is null) Console.WriteLine("no chat template: /v1/chat/completions is refused; pass --chat-template to serve chats");
        await host.WaitForShutdownAsync();
        return 0;
    }

    private static string DefaultName(string spec) =>
        Presets.IsPreset(spec) ? spec[Presets.Prefix.Length..] : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(spec)));

    private static Dictionary<string, string> Adapters(string[] specs)
    {
        var adapters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            int at = spec.IndexOf('=');
            if (at <= 0 || at == spec.Length - 1) throw new UserError($"--adapter '{spec}' needs the form NAME=FILE.onnx_adapter.");
            var (adapterName, file) = (spec[..at], spec[(at + 1)..]);
            if (!File.Exists(file)) throw new UserError($"--adapter {spec}: no file '{file}'.");
            if (!adapters.TryAdd(adapterName, file)) throw new UserError($"--adapter names '{adapterName}' twice.");
        }
        return adapters;
    }
}
