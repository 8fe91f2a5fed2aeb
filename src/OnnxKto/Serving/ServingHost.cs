using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Export.Adapters;
using OnnxKto.Generation;
using OnnxKto.Graphs;

namespace OnnxKto.Serving;

/// <summary>
/// <c>onnx-kto serve</c>: Kestrel with minimal APIs in front of a <see cref="DecodeService"/>: OpenAI's API under
/// <c>/v1/</c> (<see cref="OpenAiEndpoints"/>), <c>/health</c>, and the rating page at <c>/</c>. Requests are
/// checked for the API key and the size limit, errors answered in OpenAI's shape, and each request logged on one line.
/// </summary>
public sealed class ServingHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DecodeService _service;
    private readonly FeedbackStore _store;

    private ServingHost(WebApplication app, DecodeService service, FeedbackStore store, Uri address)
    {
        _app = app;
        _service = service;
        _store = store;
        Address = address;
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:8000/</c>.</summary>
    public Uri Address { get; }

    /// <summary>Loads the adapters, opens the database and starts listening.</summary>
    /// <param name="model">The model to serve (not disposed by the host).</param>
    /// <param name="template">Its chat template, or null to serve only <c>/v1/completions</c>.</param>
    /// <param name="settings">Address, names, database and limits.</param>
    /// <exception cref="UserError">An adapter name that is the model's, or an adapter the model cannot take.</exception>
    /// <exception cref="InvalidDataException">An unreadable adapter file or database.</exception>
    public static async Task<ServingHost> StartAsync(InferenceModel model, ChatTemplate? template, ServeSettings settings)
    {
        var inputs = new Dictionary<string, IReadOnlyDictionary<string, TensorData>?>(StringComparer.Ordinal) { [settings.ModelName] = null };
        foreach (var (name, path) in settings.Adapters)
        {
            if (!inputs.TryAdd(name, OnnxAdapterFile.Read(path).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)))
                throw new UserError($"--adapter {name}={path}: the name '{name}' is taken (the base model is '{settings.ModelName}'); give each adapter its own name.");
        }
        var store = new FeedbackStore(settings.Database);
        DecodeService? service = null;
        try
        {
            service = new DecodeService(model, inputs, settings.BatchSize, settings.MaxQueued);
            var app = Build(service, store, template, settings);
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ServingHost(app, service, store, new Uri(address.EndsWith('/') ? address : address + "/"));
        }
        catch
        {
            service?.Dispose();
            store.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the server is shut down (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Stops listening, then the decoding thread, then closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _service.Dispose();
        _store.Dispose();
    }

    private static WebApplication Build(DecodeService service, FeedbackStore store, ChatTemplate? template, ServeSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Parse(settings.Host == "localhost" ? "127.0.0.1" : settings.Host), settings.Port);
            kestrel.Limits.MaxRequestBodySize = settings.MaxRequestBytes;
        });
        var app = builder.Build();
        var api = new OpenAiEndpoints(service, store, template, settings.Adapters, settings);
        app.Use(async (http, next) =>
        {
            var clock = Stopwatch.StartNew();
            try
            {
                if (settings.ApiKey is { } key && http.Request.Path.StartsWithSegments("/v1")
                    && http.Request.Headers.Authorization.ToString() != $"Bearer {key}")
                    throw new ApiError(401, "Missing or wrong API key: send 'Authorization: Bearer KEY' with the key the server was started with.", "invalid_api_key");
                await next(http);
            }
            catch (Exception e) when (!http.Response.HasStarted && Refusal(e) is { } error)
            {
                http.Response.Clear();
                http.Response.StatusCode = error.Status;
                await Results.Content(error.ToJson().ToJsonString(OpenAiEndpoints.Compact), "application/json").ExecuteAsync(http);
            }
            catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
            {
                // The client went away; its sequences were cancelled with the request.
            }
            var tokens = http.Items.TryGetValue(OpenAiEndpoints.TokensItem, out var t) ? $" {t} tokens" : "";
            settings.Log($"{http.Request.Method} {http.Request.Path} {http.Response.StatusCode}{tokens} {clock.ElapsedMilliseconds} ms");
        });
        app.MapGet("/health", () => Results.Content(new JsonObject { ["status"] = "ok", ["in_flight"] = service.InFlight }.ToJsonString(OpenAiEndpoints.Compact), "application/json"));
        app.MapGet("/v1/models", api.Models);
        app.MapPost("/v1/chat/completions", (HttpContext http) => api.Complete(http, chat: true));
        app.MapPost("/v1/completions", (HttpContext http) => api.Complete(http, chat: false));
        app.MapPost("/v1/feedback", api.Feedback);
        app.MapGet("/", () => RatingPage.File("index.html"));
        app.MapGet("/page/{file}", (string file) => RatingPage.File(file));
        app.MapFallback((HttpContext http) => throw new ApiError(404, $"No route {http.Request.Method} {http.Request.Path}; see GET /v1/models.", "not_found"));
        return app;
    }

    // What a failed request answers: our refusals as they are; an oversized body 413; a malformed request 400.
    private static ApiError? Refusal(Exception e) => e switch
    {
        ApiError error => error,
        BadHttpRequestException { StatusCode: 413 } => new ApiError(413, "The request body is larger than the server's limit (--max-request-bytes).", "request_too_large"),
        BadHttpRequestException bad => new ApiError(bad.StatusCode, bad.Message),
        UserError user => ApiError.BadRequest(user.Message),
        _ => null,
    };
}
