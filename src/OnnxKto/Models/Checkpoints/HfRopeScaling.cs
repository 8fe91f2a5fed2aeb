using System.Text.Json.Nodes;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// config.json's <c>rope_scaling</c> (transformers 4.x) or <c>rope_parameters</c> (5.x) ↔ <see cref="RopeScaling"/>:
/// one row per <c>rope_type</c> with the keys it reads. A key a type does not use, or a type OnnxKto does not
/// implement, is an error naming it.
/// </summary>
internal static class HfRopeScaling
{
    private sealed record Row(string[] Keys, Func<JsonFields, RopeScaling> Read);

    // Keys every type may carry: the type itself, and rope_theta / partial_rotary_factor inside rope_parameters
    // (read by HfConfig).
    private static readonly string[] Common = ["rope_type", "type", "rope_theta", "partial_rotary_factor"];

    private static readonly Dictionary<string, Row> Types = new(StringComparer.Ordinal)
    {
        ["linear"] = new(["factor"], json => new LinearRopeScaling(Factor(json))),
        ["llama3"] = new(["factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"], json =>
            new Llama3RopeScaling(Factor(json), Number(json, "low_freq_factor"), Number(json, "high_freq_factor"),
                json.Int("original_max_position_embeddings"))),
        ["yarn"] = new(["factor", "original_max_position_embeddings", "attention_factor", "beta_fast", "beta_slow", "mscale", "mscale_all_dim", "truncate"],
            json => new YarnRopeScaling
            {
                Factor = json.OptionalDouble("factor"),
                OriginalMaxPositions = json.OptionalInt("original_max_position_embeddings"),
                AttentionFactorOverride = json.OptionalDouble("attention_factor"),
                // transformers: `get("beta_fast") or 32`, so 0 means the default too.
                BetaFast = json.OptionalDouble("beta_fast") is { } fast && fast != 0 ? fast : 32,
                BetaSlow = json.OptionalDouble("beta_slow") is { } slow && slow != 0 ? slow : 1,
                Mscale = json.OptionalDouble("mscale"),
                MscaleAllDim = json.OptionalDouble("mscale_all_dim"),
                Truncate = json.OptionalBool("truncate") ?? true,
            }),
    };

    /// <summary>
    /// The scaling <paramref name="json"/> describes (the <c>rope_scaling</c> or <c>rope_parameters</c> object);
    /// null for <c>rope_type: default</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A rope type OnnxKto does not implement (<c>dynamic</c>, ...).</exception>
    /// <exception cref="InvalidDataException">A key the type does not use, or a required key missing.</exception>
    public static RopeScaling? Read(JsonFields json)
    {
        string type = json.OptionalString("rope_type") ?? json.OptionalString("type") ?? "default";
        if (type == "default")
        {
            CheckKeys(json, type, []);
            return null;
        }
        if (type == "dynamic")
            throw new NotSupportedException($"{json.Source}: rope_type 'dynamic' (dynamic NTK scaling) is not supported: its frequencies change with the " +
                "length of each sequence at inference only, which a training graph cannot follow. Remove rope_scaling to train at the original context length.");
        if (!Types.TryGetValue(type, out var row))
            throw new NotSupportedException($"{json.Source}: rope_type '{type}' is not supported; supported: default, {string.Join(", ", Types.Keys)}.");
        CheckKeys(json, type, row.Keys);
        return row.Read(json);
    }

    /// <summary>The <c>rope_scaling</c> object transformers reads back as <paramref name="scaling"/>.</summary>
    public static JsonObject ToJson(RopeScaling scaling) => scaling switch
    {
        LinearRopeScaling linear => new JsonObject { ["rope_type"] = "linear", ["factor"] = linear.Factor },
        Llama3RopeScaling llama3 => new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = llama3.Factor, ["low_freq_factor"] = llama3.LowFreqFactor,
            ["high_freq_factor"] = llama3.HighFreqFactor, ["original_max_position_embeddings"] = llama3.OriginalMaxPositions,
        },
        YarnRopeScaling yarn => new JsonObject
        {
            ["rope_type"] = "yarn", ["factor"] = yarn.Factor, ["original_max_position_embeddings"] = yarn.OriginalMaxPositions,
            ["attention_factor"] = yarn.AttentionFactorOverride, ["beta_fast"] = yarn.BetaFast, ["beta_slow"] = yarn.BetaSlow,
            ["mscale"] = yarn.Mscale, ["mscale_all_dim"] = yarn.MscaleAllDim, ["truncate"] = yarn.Truncate,
        },
        LongRopeScaling longRope => new JsonObject
        {
            ["rope_type"] = "longrope", ["short_factor"] = new JsonArray(longRope.ShortFactor.Select(f => (JsonNode?)f).ToArray()),
            ["long_factor"] = new JsonArray(longRope.LongFactor.Select(f => (JsonNode?)f).ToArray()),
            ["original_max_position_embeddings"] = longRope.OriginalMaxPositions, ["attention_factor"] = longRope.AttentionScale,
        },
        _ => throw new NotSupportedException($"rope_type '{scaling.RopeType}' has no config.json mapping."),
    };

    private static void CheckKeys(JsonFields json, string type, string[] keys)
    {
        foreach (var property in json.Properties)
            if (!Common.Contains(property.Name) && !keys.Contains(property.Name))
                throw new InvalidDataException($"{json.Source}: key '{property.Name}' is not used by rope_type '{type}', so OnnxKto cannot honour it; " +
                    $"{type} reads {(keys.Length == 0 ? "no other keys" : string.Join(", ", keys))}.");
    }

    private static double Factor(JsonFields json) => Number(json, "factor");

    private static double Number(JsonFields json, string key) =>
        json.OptionalDouble(key) ?? throw new InvalidDataException($"{json.Source}: required key '{key}' (a number) is missing.");
}
