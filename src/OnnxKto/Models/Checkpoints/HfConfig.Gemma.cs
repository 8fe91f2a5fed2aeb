using System.Text.Json.Nodes;

namespace OnnxKto.Models.Checkpoints;

internal static partial class HfConfig
{
    private const string Sliding = "sliding_attention", Full = "full_attention";

    // Gemma2Config / Gemma3TextConfig, their defaults included (head_dim 256 rather than hidden / heads).
    private static ModelConfig Gemma(JsonFields json, string modelType)
    {
        bool gemma3 = modelType == "gemma3_text";
        foreach (var key in new[] { "rope_scaling", "rope_parameters" })
            if (json.Has(key))
                throw new NotSupportedException($"{json.Source}: {key} is set, which OnnxKto does not support for {modelType} yet; only plain rotary positions (null) are.");
        if (json.OptionalBool("use_bidirectional_attention") == true)
            throw new NotSupportedException($"{json.Source}: use_bidirectional_attention is true (an encoder-style Gemma); OnnxKto trains causal language models only.");
        foreach (var key in new[] { "hidden_activation", "hidden_act" })
            if (json.OptionalString(key) is { } activation && activation != "gelu_pytorch_tanh")
                throw new NotSupportedException($"{json.Source}: {key} '{activation}' is not supported; Gemma uses 'gelu_pytorch_tanh'.");

        int layers = Positive(json, "num_hidden_layers"), heads = Positive(json, "num_attention_heads");
        int window = json.Has("sliding_window") ? Positive(json, "sliding_window") : 4096;
        int period = GlobalLayerPeriod(json, layers, gemma3 ? json.OptionalInt("sliding_window_pattern") ?? 6 : 2);
        // An explicit null switches soft-capping off; an absent key means Gemma 2's defaults. Gemma 3's attention
        // ignores attn_logit_softcapping (transformers passes no softcap there), so it is not read.
        double? Softcap(string key, double gemma2Default) =>
            json.IsWritten(key) ? json.OptionalDouble(key) : gemma3 ? null : gemma2Default;
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Gemma,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = Positive(json, "hidden_size"),
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = json.Has("num_key_value_heads") ? Positive(json, "num_key_value_heads") : heads,
            HeadDim = json.Has("head_dim") ? Positive(json, "head_dim") : 256,
            IntermediateSize = Positive(json, "intermediate_size"),
            MaxPositions = Positive(json, "max_position_embeddings"),
            NormEpsilon = json.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = json.OptionalDouble("rope_theta") ?? (gemma3 ? 1e6 : 1e4),
            LocalRopeTheta = gemma3 ? json.OptionalDouble("rope_local_base_freq") ?? 1e4 : null,
            QueryPreAttnScalar = json.OptionalDouble("query_pre_attn_scalar") ?? 256,
            SlidingWindow = period == 1 ? null : window,
            GlobalLayerPeriod = period == 1 ? 0 : period,
            AttentionSoftcap = gemma3 ? null : Softcap("attn_logit_softcapping", 50),
            FinalLogitSoftcap = Softcap("final_logit_softcapping", 30),
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? true,
            AttentionBias = json.OptionalBool("attention_bias") ?? false,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
    }

    /// <summary>
    /// The period P of the global layers (layer i is global when (i + 1) % P == 0), from <c>layer_types</c> when given,
    /// else <paramref name="pattern"/>; 0 when every layer slides, 1 when none does.
    /// </summary>
    private static int GlobalLayerPeriod(JsonFields json, int layers, int pattern)
    {
        if (json.OptionalStrings("layer_types") is not { } types) return pattern;
        Check(json, "layer_types", types.Count == layers, $"layer_types lists {types.Count} layers, num_hidden_layers is {layers}");
        var unknown = types.FirstOrDefault(t => t is not (Sliding or Full));
        if (unknown is not null)
            throw new NotSupportedException($"{json.Source}: layer_types entry '{unknown}' is not supported; OnnxKto knows '{Sliding}' and '{Full}'.");
        int first = types.ToList().IndexOf(Full);
        int period = first < 0 ? 0 : first + 1;
        if (Enumerable.Range(0, layers).Any(i => (types[i] == Full) != (period != 0 && (i + 1) % period == 0)))
            throw new NotSupportedException($"{json.Source}: layer_types [{string.Join(", ", types)}] is not a repeating pattern of sliding layers " +
                "closed by one full-attention layer, the only layout OnnxKto builds.");
        return period;
    }

    private static void WriteGemma(ModelConfig config, JsonObject json)
    {
        bool gemma3 = config.ModelType == "gemma3_text";
        json["architectures"] = new JsonArray(gemma3 ? "Gemma3ForCausalLM" : "Gemma2ForCausalLM");
        json["vocab_size"] = config.VocabSize;
        json["hidden_size"] = config.HiddenSize;
        json["num_hidden_layers"] = config.NumLayers;
        json["num_attention_heads"] = config.NumHeads;
        json["num_key_value_heads"] = config.NumKvHeads;
        json["head_dim"] = config.HeadDim;
        json["intermediate_size"] = config.IntermediateSize;
        json["max_position_embeddings"] = config.MaxPositions;
        json["rms_norm_eps"] = config.NormEpsilon;
        json["rope_theta"] = config.RopeTheta;
        json["rope_scaling"] = null;
        if (gemma3) json["rope_local_base_freq"] = config.LocalRopeTheta;
        json["query_pre_attn_scalar"] = config.QueryPreAttnScalar;
        json["sliding_window"] = config.SlidingWindow;
        json["layer_types"] = new JsonArray(Enumerable.Range(0, config.NumLayers)
            .Select(i => (JsonNode?)JsonValue.Create(config.IsSlidingLayer(i) ? Sliding : Full)).ToArray());
        if (gemma3) json["sliding_window_pattern"] = config.SlidingWindow is null ? 1 : config.GlobalLayerPeriod;
        json["attn_logit_softcapping"] = config.AttentionSoftcap;
        json["final_logit_softcapping"] = config.FinalLogitSoftcap;
        json["hidden_activation"] = "gelu_pytorch_tanh";
        json["attention_bias"] = config.AttentionBias;
        json["tie_word_embeddings"] = config.TieWordEmbeddings;
    }
}
