namespace OnnxKto.Serving;

/// <summary>How <c>onnx-kto serve</c> serves a model: where it listens, what it serves, where ratings go, its limits.</summary>
public sealed record ServeSettings
{
    /// <summary>The address to bind, e.g. <c>127.0.0.1</c> (loopback, the default) or <c>0.0.0.0</c>.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>The port, e.g. 8000; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>The name clients give as <c>model</c> for the base model, e.g. the export folder's name.</summary>
    public required string ModelName { get; init; }

    /// <summary>LoRA adapters by the model name that selects them, e.g. <c>kto</c> → <c>models/x/adapter.onnx_adapter</c>.</summary>
    public IReadOnlyDictionary<string, string> Adapters { get; init; } = new Dictionary<string, string>();

    /// <summary>The SQLite file completions and ratings go to, e.g. <c>feedback.db</c>; created when missing.</summary>
    public required string Database { get; init; }

    /// <summary>When set, every <c>/v1/</c> request needs <c>Authorization: Bearer KEY</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Most sequences decoding together per model or adapter, e.g. 16.</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Most sequences waiting for a row beyond those decoding; past it requests get 503.</summary>
    public int MaxQueued { get; init; } = 256;

    /// <summary>Largest request body in bytes; past it 413.</summary>
    public long MaxRequestBytes { get; init; } = 1 << 20;

    /// <summary><c>max_tokens</c> when a request gives none, e.g. 256 (the context length still stops it).</summary>
    public int DefaultMaxTokens { get; init; } = 256;

    /// <summary>Where the log line of each request goes (method, path, status, tokens, milliseconds).</summary>
    public Action<string> Log { get; init; } = Console.WriteLine;
}
