using System.Text.Json.Nodes;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models.Checkpoints;

internal static partial class HfConfig
{
    // Phi3Config: Llama's keys plus partial_rotary_factor, original_max_position_embeddings and LongRoPE rope_scaling.
    private static ModelConfig Phi3(JsonFields json, string modelType)
    {
        string activation = json.OptionalString("hidden_act") ?? "silu";
        if (activation != "silu")
            throw new NotSupportedException($"{json.Source}: hidden_act '{activation}' is not supported; Phi-3 uses 'silu'.");
        foreach (var key in new[] { "attention_bias", "mlp_bias", "lm_head_bias" })
            if (json.OptionalBool(key) == true)
                throw new NotSupportedException($"{json.Source}: {key} is true, which transformers' Phi-3 does not build and OnnxKto does not either.");
        if (json.Has("rope_parameters"))
            throw new NotSupportedException($"{json.Source}: rope_parameters is not supported for phi3 yet; write LongRoPE as rope_scaling.");

        int hidden = Positive(json, "hidden_size"), heads = Positive(json, "num_attention_heads");
        int? headDim = json.OptionalInt("head_dim");
        if (headDim is null)
            Check(json, "hidden_size", hidden % heads == 0, $"hidden_size {hidden} is not divisible by num_attention_heads {heads}; set head_dim");
        double partial = json.OptionalDouble("partial_rotary_factor") ?? 1;
        Check(json, "partial_rotary_factor", partial is > 0 and <= 1, $"partial_rotary_factor is {partial}; it must be in (0, 1]");
        var config = new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Phi3,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            NumLayers = Positive(json, "num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = json.Has("num_key_value_heads") ? Positive(json, "num_key_value_heads") : heads,
            HeadDim = headDim ?? hidden / heads,
            IntermediateSize = Positive(json, "intermediate_size"),
            MaxPositions = Positive(json, "max_position_embeddings"),
            NormEpsilon = json.OptionalDouble("rms_norm_eps") ?? 1e-5,
            RopeTheta = json.OptionalDouble("rope_theta") ?? 10000,
            PartialRotaryFactor = partial,
            // Phi-3's window applies to every layer.
            SlidingWindow = json.Has("sliding_window") ? Positive(json, "sliding_window") : null,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
        Check(json, "partial_rotary_factor", config.RotaryDim % 2 == 0 && config.RotaryDim > 0,
            $"head_dim {config.HeadDim} × partial_rotary_factor {partial} gives an odd or empty rotary width {config.RotaryDim}");
        return config with
        {
            SlidingLayers = config.SlidingWindow is null ? LayerSet.None : LayerSet.Where(config.NumLayers, _ => true),
            RopeScaling = LongRope(json, config),
        };
    }

    // transformers' _compute_longrope_parameters: factor defaults to max_position_embeddings / original, the attention
    // factor to √(1 + ln(factor) / ln(original)) (1 when factor ≤ 1).
    private static LongRopeScaling? LongRope(JsonFields json, ModelConfig config)
    {
        if (json.OptionalObject("rope_scaling") is not { } scaling) return null;
        string type = scaling.OptionalString("rope_type") ?? scaling.String("type");
        if (type is not ("longrope" or "su"))
            throw new NotSupportedException($"{scaling.Source}: rope type '{type}' is not supported for phi3; OnnxKto supports 'longrope' there.");
        int original = scaling.OptionalInt("original_max_position_embeddings") ?? json.OptionalInt("original_max_position_embeddings")
            ?? throw new InvalidDataException($"{json.Source}: LongRoPE needs original_max_position_embeddings (the pre-training context, e.g. 4096).");
        Check(json, "original_max_position_embeddings", original > 0, $"original_max_position_embeddings is {original}; it must be positive");
        IReadOnlyList<double> Factors(string key)
        {
            var factors = scaling.OptionalDoubles(key) ?? throw new InvalidDataException($"{scaling.Source}: LongRoPE needs {key} (one number per rotary frequency).");
            Check(scaling, key, factors.Length == config.RotaryDim / 2,
                $"{key} has {factors.Length} entries; rotary width {config.RotaryDim} needs {config.RotaryDim / 2}");
            return factors;
        }
        double factor = scaling.OptionalDouble("factor") ?? (double)config.MaxPositions / original;
        double attention = scaling.OptionalDouble("attention_factor")
            ?? (factor <= 1 ? 1 : Math.Sqrt(1 + Math.Log(factor) / Math.Log(original)));
        foreach (var property in scaling.Properties)
            if (property.Name is not ("type" or "rope_type" or "short_factor" or "long_factor" or "factor" or "attention_factor" or "original_max_position_embeddings"))
                throw new InvalidDataException($"{scaling.Source}: key '{property.Name}' is not used by LongRoPE, so OnnxKto cannot honour it.");
        return new LongRopeScaling(Factors("short_factor"), Factors("long_factor"), original, attention);
    }

    private static void WritePhi3(ModelConfig config, JsonObject json)
    {
        WriteDecoderShape(config, json, "Phi3ForCausalLM");
        json["partial_rotary_factor"] = config.PartialRotaryFactor;
        json["sliding_window"] = config.SlidingWindow;
        if (config.RopeScaling is LongRopeScaling rope)
        {
            json["original_max_position_embeddings"] = rope.OriginalMaxPositions;
            json["rope_scaling"] = HfRopeScaling.ToJson(rope);
        }
        else if (config.RopeScaling is null) json["rope_scaling"] = null;
        else throw new NotSupportedException($"A phi3 config.json cannot say rope_type '{config.RopeScaling.RopeType}'; transformers' Phi-3 reads only longrope.");
        json["hidden_act"] = "silu";
        json["tie_word_embeddings"] = config.TieWordEmbeddings;
    }
}
