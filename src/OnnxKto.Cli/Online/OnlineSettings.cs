using OnnxKto.Training.Configuration;

namespace OnnxKto.Cli.Online;

/// <summary>Which model the KTO reference is in each round of <c>onnx-kto online</c>.</summary>
public enum OnlineReference
{
    /// <summary><c>reference: round</c>: the round's starting policy (the previous round's trained model).</summary>
    Round,

    /// <summary><c>reference: initial</c>: the initial model in every round.</summary>
    Initial,
}

/// <summary>
/// <c>online.yaml</c>: what <c>onnx-kto online</c> runs each round (sample the policy on <see cref="Prompts"/>, label
/// with the verifier, train KTO with <see cref="Train"/>, export, evaluate greedily on <see cref="HeldOut"/>).
/// Read by <see cref="OnlineSettingsYaml"/>; every key but <c>rounds</c> is part of the run's fingerprint.
/// </summary>
public sealed record OnlineSettings
{
    /// <summary><c>rounds</c>: how many sample → label → train rounds, e.g. 3.</summary>
    public int Rounds { get; init; } = 2;

    /// <summary><c>model</c>: the initial policy: exported folder, Hugging Face folder or <c>preset:NAME</c>.</summary>
    public string Model { get; init; } = "";

    /// <summary><c>prompts</c>: rows with a <c>prompt</c> column (and e.g. an <c>answer</c> the verifier reads), sampled each round.</summary>
    public string Prompts { get; init; } = "";

    /// <summary><c>held_out</c>: rows of the same shape, completed greedily after each round and labelled by the same verifier.</summary>
    public string HeldOut { get; init; } = "";

    /// <summary><c>num_samples</c>: samples per prompt row and round, e.g. 4.</summary>
    public int NumSamples { get; init; } = 4;

    /// <summary><c>temperature</c>: sampling temperature, e.g. 1.0 (held-out evaluation is always greedy).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>top_p</c>: nucleus sampling mass, in (0, 1].</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary><c>max_new_tokens</c>: most tokens per completion, e.g. 64.</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary><c>stop</c>: texts that end a completion as EOS does, e.g. <c>["\n"]</c>.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];

    /// <summary><c>seed</c>: sampling seed; round r samples with seed + r.</summary>
    public int Seed { get; init; } = 42;

    /// <summary><c>batch_size</c>: sequences decoded together, e.g. 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary><c>chat_template</c>: template for conversational prompts; null picks the model's.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary><c>verifier</c>: a shell command speaking the <c>onnx-kto label --verifier</c> protocol.</summary>
    public string? Verifier { get; init; }

    /// <summary><c>threshold</c>: with a verifier replying scores, desirable when score ≥ threshold.</summary>
    public double? Threshold { get; init; }

    /// <summary><c>exact</c>: desirable when the completion equals this column, e.g. <c>answer</c>.</summary>
    public string? Exact { get; init; }

    /// <summary><c>regex</c>: desirable when the completion matches this .NET regular expression.</summary>
    public string? Regex { get; init; }

    /// <summary><c>reference</c>: <c>round</c> (default) or <c>initial</c>.</summary>
    public OnlineReference Reference { get; init; } = OnlineReference.Round;

    /// <summary><c>train</c>: the KTO config of every round's training, the keys of <c>kto.yaml</c> (e.g. <c>beta: 0.1</c>).</summary>
    public KtoConfig Train { get; init; } = new();
}
