using System.Text.Json.Nodes;

namespace OnnxKto.Models.Checkpoints;

internal static partial class HfConfig
{
    private const string Sliding = "sliding_attention", Full = "full_attention";

    // Gemma2Config / Gemma3TextConfig, their defaults included (head_dim 256 rather than hidden / heads).
    private static ModelConfig Gemma(JsonFields json, string modelType)
    {
        bool gemma3 = modelType == "gemma3_text";
        if (json.Has("rope_parameters"))
            throw new NotSupportedException($"{json.Source}: rope_parameters (transformers 5's per-layer-type rotary settings) is not supported for {modelType} yet; " +
                "write rope_theta, rope_local_base_freq and rope_scaling as transformers 4 does.");
        if (!gemma3 && json.Has("rope_scaling"))
            throw new NotSupportedException($"{json.Source}: rope_scaling is set, which transformers' Gemma 2 does not read; remove it.");
        if (json.OptionalBool("use_bidirectional_attention") == true)
            throw new NotSupportedException($"{json.Source}: use_bidirectional_attention is true (an encoder-style Gemma); OnnxKto trains causal language models only.");
        foreach (var key in new[] { "hidden_activation", "hidden_act" })
            if (json.OptionalString(key) is { } activation && activation != "gelu_pytorch_tanh")
                throw new NotSupportedException($"{json.Source}: {key} '{activation}' is not supported; Gemma uses 'gelu_pytorch_tanh'.");

        int layers = Positive(json, "num_hidden_layers"), heads = Positive(json, "num_attention_heads");
        int window = json.Has("sliding_window") ? Positive(json, "sliding_window") : 4096;
        var sliding = SlidingLayerTypes(json, layers, gemma3 ? json.OptionalInt("sliding_window_pattern") ?? 6 : 2);
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
            // Gemma 3 scales the global layers' rotary frequencies only (linear, factor 8, on the 4B and larger sizes).
            RopeScaling = json.OptionalObject("rope_scaling") is { } scaling ? HfRopeScaling.Read(scaling) : null,
            LocalRopeTheta = gemma3 ? json.OptionalDouble("rope_local_base_freq") ?? 1e4 : null,
            QueryPreAttnScalar = json.OptionalDouble("query_pre_attn_scalar") ?? 256,
            SlidingWindow = sliding.IsEmpty ? null : window,
            SlidingLayers = sliding,
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
    /// The sliding layers: those <c>layer_types</c> names <c>sliding_attention</c> when it is given, else every layer but
    /// each <paramref name="pattern"/>-th (transformers: sliding when (i + 1) % pattern ≠ 0).
    /// </summary>
    private static LayerSet SlidingLayerTypes(JsonFields json, int layers, int pattern)
    {
        if (json.OptionalStrings("layer_types") is not { } types)
        {
            Check(json, "sliding_window_pattern", pattern > 0, $"sliding_window_pattern is {pattern}; it must be positive");
            return LayerSet.Where(layers, i => (i + 1) % pattern != 0);
        }
        Check(json, "layer_types", types.Length == layers, $"layer_types lists {types.Length} layers, num_hidden_layers is {layers}");
        var unknown = types.FirstOrDefault(t => t is not (Sliding or Full));
        if (unknown is not null)
            throw new NotSupportedException($"{json.Source}: layer_types entry '{unknown}' is not supported; OnnxKto knows '{Sliding}' and '{Full}'.");
        return LayerSet.Where(layers, i => types[i] == Sliding);
    }

    private static void WriteGemma(ModelConfig config, JsonObject json)
    {
        bool gemma3 = config.ModelType == "gemma3_text";
        WriteDecoderShape(config, json, gemma3 ? "Gemma3ForCausalLM" : "Gemma2ForCausalLM");
        json["rope_scaling"] = config.RopeScaling is { } scaling ? HfRopeScaling.ToJson(scaling) : null;
        if (gemma3) json["rope_local_base_freq"] = config.LocalRopeTheta;
        json["query_pre_attn_scalar"] = config.QueryPreAttnScalar;
        json["sliding_window"] = config.SlidingWindow;
        json["layer_types"] = new JsonArray(Enumerable.Range(0, config.NumLayers)
            .Select(i => (JsonNode?)JsonValue.Create(config.IsSliding(i) ? Sliding : Full)).ToArray());
        // Transformers before layer_types read the 5:1 layout from sliding_window_pattern; written when it says the same.
        int pattern = Enumerable.Range(0, config.NumLayers).FirstOrDefault(i => !config.IsSliding(i)) + 1;
        if (gemma3 && Enumerable.Range(0, config.NumLayers).All(i => config.IsSliding(i) == ((i + 1) % pattern != 0)))
            json["sliding_window_pattern"] = pattern;
        json["attn_logit_softcapping"] = config.AttentionSoftcap;
        json["final_logit_softcapping"] = config.FinalLogitSoftcap;
        json["hidden_activation"] = "gelu_pytorch_tanh";
        json["attention_bias"] = config.AttentionBias;
        json["tie_word_embeddings"] = config.TieWordEmbeddings;
    }
}
