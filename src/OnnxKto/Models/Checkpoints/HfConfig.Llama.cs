using System.Text.Json.Nodes;
using OnnxKto.Models.Builders.Rope;

namespace OnnxKto.Models.Checkpoints;

internal static partial class HfConfig
{
    /// <summary>How a variant's config.json says which layers slide.</summary>
    private enum SlidingRule
    {
        /// <summary>No sliding window (Llama, OLMo 2).</summary>
        None,

        /// <summary>Every layer slides when <c>sliding_window</c> is set (Mistral).</summary>
        AllLayers,

        /// <summary><c>use_sliding_window</c> and <c>sliding_window</c>; <c>layer_types</c>, else layers from <c>max_window_layers</c> on (Qwen2, Qwen3).</summary>
        FromMaxWindowLayers,

        /// <summary><c>use_sliding_window</c> and <c>sliding_window</c>; <c>layer_types</c>, else the layers without RoPE (SmolLM3).</summary>
        NoRopeLayers,
    }

    /// <summary>What a Llama-family <c>model_type</c> adds to Llama, with its config class's defaults.</summary>
    /// <param name="Architecture">transformers' class, for <c>architectures</c>.</param>
    /// <param name="Bias">q/k/v biases: fixed (Qwen2 true, Mistral false), or null: read <c>attention_bias</c> (Llama).</param>
    /// <param name="QkNorm">Query/key norms.</param>
    /// <param name="Norms">Norms before or after each block.</param>
    /// <param name="Theta">Default <c>rope_theta</c>.</param>
    /// <param name="Tied">Default <c>tie_word_embeddings</c>.</param>
    /// <param name="Sliding">Which layers slide.</param>
    /// <param name="MaxWindowLayers">Default <c>max_window_layers</c> (Qwen2, Qwen3).</param>
    private sealed record LlamaVariant(string Architecture, bool? Bias, QkNorm QkNorm, NormPlacement Norms, double Theta, bool Tied,
        SlidingRule Sliding, int MaxWindowLayers = 28);

    private static readonly Dictionary<string, LlamaVariant> LlamaVariants = new(StringComparer.Ordinal)
    {
        ["llama"] = new("LlamaForCausalLM", null, QkNorm.None, NormPlacement.Pre, 10000, false, SlidingRule.None),
        ["mistral"] = new("MistralForCausalLM", false, QkNorm.None, NormPlacement.Pre, 10000, false, SlidingRule.AllLayers),
        ["qwen2"] = new("Qwen2ForCausalLM", true, QkNorm.None, NormPlacement.Pre, 10000, false, SlidingRule.FromMaxWindowLayers),
        ["qwen3"] = new("Qwen3ForCausalLM", false, QkNorm.PerHead, NormPlacement.Pre, 10000, false, SlidingRule.FromMaxWindowLayers),
        ["smollm3"] = new("SmolLM3ForCausalLM", false, QkNorm.None, NormPlacement.Pre, 2000000, true, SlidingRule.NoRopeLayers),
        ["olmo2"] = new("Olmo2ForCausalLM", false, QkNorm.Projection, NormPlacement.Post, 10000, false, SlidingRule.None),
    };

    private static ModelConfig Llama(JsonFields json, string modelType)
    {
        var variant = LlamaVariants[modelType];
        string activation = json.OptionalString("hidden_act") ?? "silu";
        if (activation != "silu")
            throw new NotSupportedException($"{json.Source}: hidden_act '{activation}' is not supported; the Llama family uses 'silu'.");
        Refuse(json, "mlp_bias", json.OptionalBool("mlp_bias") == true, "biases on the MLP projections");
        Refuse(json, "clip_qkv", modelType == "olmo2" && json.Has("clip_qkv"), "clipping of queries, keys and values");
        bool bias = variant.Bias ?? json.OptionalBool("attention_bias") ?? false;
        Refuse(json, "attention_bias", variant.Bias == false && modelType != "mistral" && json.OptionalBool("attention_bias") == true,
            $"attention biases on a {modelType} model (its o_proj would carry one too)");

        int hidden = Positive(json, "hidden_size");
        int heads = Positive(json, "num_attention_heads");
        int layers = Positive(json, "num_hidden_layers");
        int? headDim = json.OptionalInt("head_dim");
        if (headDim is null)
            Check(json, "hidden_size", hidden % heads == 0, $"hidden_size {hidden} is not divisible by num_attention_heads {heads}; set head_dim");
        var (scaling, theta) = ReadRope(json, variant);
        var noRope = modelType == "smollm3" ? NoRopeLayers(json, layers) : LayerSet.None;
        var (window, sliding) = SlidingLayers(json, variant, layers, noRope);
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Llama,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = json.Has("num_key_value_heads") ? Positive(json, "num_key_value_heads") : heads,
            HeadDim = headDim ?? hidden / heads,
            IntermediateSize = Positive(json, "intermediate_size"),
            MaxPositions = Positive(json, "max_position_embeddings"),
            NormEpsilon = json.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = theta,
            RopeScaling = scaling,
            NoRopeLayers = noRope,
            SlidingWindow = window,
            SlidingLayers = sliding,
            QkNorm = variant.QkNorm,
            NormPlacement = variant.Norms,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? variant.Tied,
            AttentionBias = bias,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
    }

    // rope_scaling (transformers 4.x) wins over rope_parameters (5.x), as transformers' convert_rope_params_to_dict
    // has it; rope_theta may sit at the top level or inside rope_parameters.
    private static (RopeScaling? Scaling, double Theta) ReadRope(JsonFields json, LlamaVariant variant)
    {
        var parameters = json.OptionalObject("rope_scaling") ?? json.OptionalObject("rope_parameters");
        if (parameters is not null && parameters.Properties.Any(p => p.Name is "full_attention" or "sliding_attention"))
            throw new NotSupportedException($"{parameters.Source}: per-layer-type rope parameters are not supported for this model type.");
        double theta = json.OptionalDouble("rope_theta") ?? parameters?.OptionalDouble("rope_theta") ?? variant.Theta;
        double partial = json.OptionalDouble("partial_rotary_factor") ?? parameters?.OptionalDouble("partial_rotary_factor") ?? 1;
        Refuse(json, "partial_rotary_factor", partial != 1, $"rotating part of each head ({partial})");
        return (parameters is null ? null : HfRopeScaling.Read(parameters), theta);
    }

    // SmolLM3: no_rope_layers[i] is 1 where layer i uses RoPE, 0 where it does not; without the list, every
    // no_rope_layer_interval-th layer (the 4th, 8th, ...) skips it.
    private static LayerSet NoRopeLayers(JsonFields json, int layers)
    {
        if (json.OptionalInts("no_rope_layers") is { } flags)
        {
            Check(json, "no_rope_layers", flags.Length >= layers && flags.All(f => f is 0 or 1),
                $"no_rope_layers must hold a 0 or 1 for each of the {layers} layers, found {flags.Length} values");
            return LayerSet.Where(layers, i => flags[i] == 0);
        }
        int interval = json.OptionalInt("no_rope_layer_interval") ?? 4;
        Check(json, "no_rope_layer_interval", interval > 0, $"no_rope_layer_interval is {interval}; it must be positive");
        return LayerSet.Where(layers, i => (i + 1) % interval == 0);
    }

    private static (int? Window, LayerSet Layers) SlidingLayers(JsonFields json, LlamaVariant variant, int layers, LayerSet noRope)
    {
        int? window = variant.Sliding switch
        {
            SlidingRule.None => null,
            SlidingRule.AllLayers => json.OptionalInt("sliding_window"),
            _ => json.OptionalBool("use_sliding_window") == true ? json.OptionalInt("sliding_window") : null,
        };
        if (window is null) return (null, LayerSet.None);
        Check(json, "sliding_window", window > 0, $"sliding_window is {window}; it must be positive");
        if (variant.Sliding == SlidingRule.AllLayers) return (window, LayerSet.Where(layers, _ => true));
        if (json.OptionalStrings("layer_types") is { } types)
        {
            Check(json, "layer_types", types.Length == layers, $"layer_types lists {types.Length} layers, the model has {layers}");
            foreach (var type in types)
                if (type is not ("full_attention" or "sliding_attention"))
                    throw new NotSupportedException($"{json.Source}: layer_types holds '{type}'; supported: full_attention, sliding_attention.");
            return (window, LayerSet.Where(layers, i => types[i] == "sliding_attention"));
        }
        if (variant.Sliding == SlidingRule.NoRopeLayers) return (window, noRope);
        int first = json.OptionalInt("max_window_layers") ?? variant.MaxWindowLayers;
        return (window, LayerSet.Where(layers, i => i >= first));
    }

    private static void WriteLlama(ModelConfig config, JsonObject json)
    {
        var variant = LlamaVariants[config.ModelType];
        if (variant.Bias is { } implied && config.AttentionBias != implied)
            throw new NotSupportedException($"A {config.ModelType} config.json cannot say attention_bias {config.AttentionBias.ToString().ToLowerInvariant()}; use model_type 'llama'.");
        if (config.QkNorm != variant.QkNorm || config.NormPlacement != variant.Norms)
            throw new NotSupportedException($"A {config.ModelType} config.json cannot express q/k norm {config.QkNorm} with norms placed {config.NormPlacement}.");
        if (!config.NoRopeLayers.IsEmpty && config.ModelType != "smollm3")
            throw new NotSupportedException($"A {config.ModelType} config.json cannot list layers without RoPE; use model_type 'smollm3'.");
        WriteDecoderShape(config, json, variant.Architecture);
        json["rope_scaling"] = config.RopeScaling is null ? null : HfRopeScaling.ToJson(config.RopeScaling);
        json["hidden_act"] = "silu";
        json["tie_word_embeddings"] = config.TieWordEmbeddings;
        if (variant.Bias is null) json["attention_bias"] = config.AttentionBias;
        if (config.ModelType == "smollm3")
            json["no_rope_layers"] = new JsonArray(Enumerable.Range(0, config.NumLayers).Select(i => (JsonNode)(config.NoRopeLayers.Contains(i) ? 0 : 1)).ToArray());
        WriteSliding(config, variant, json);
    }

    private static void WriteSliding(ModelConfig config, LlamaVariant variant, JsonObject json)
    {
        bool slides = config.SlidingWindow is not null && !config.SlidingLayers.IsEmpty;
        switch (variant.Sliding)
        {
            case SlidingRule.None when slides:
                throw new NotSupportedException($"A {config.ModelType} config.json cannot set a sliding window; use model_type 'mistral' or 'qwen2'.");
            case SlidingRule.None:
                return;
            case SlidingRule.AllLayers when slides && config.SlidingLayers.Layers.Count != config.NumLayers:
                throw new NotSupportedException($"A mistral config.json slides every layer or none; layers {config.SlidingLayers} only need model_type 'qwen2'.");
            case SlidingRule.AllLayers:
                json["sliding_window"] = slides ? config.SlidingWindow : null;
                return;
            default:
                json["use_sliding_window"] = slides;
                json["sliding_window"] = slides ? config.SlidingWindow : null;
                if (slides)
                    json["layer_types"] = new JsonArray(Enumerable.Range(0, config.NumLayers)
                        .Select(i => (JsonNode)(config.SlidingLayers.Contains(i) ? "sliding_attention" : "full_attention")).ToArray());
                return;
        }
    }

    private static void Refuse(JsonFields json, string key, bool present, string what)
    {
        if (present)
            throw new NotSupportedException($"{json.Source}: key '{key}' asks for {what}, which OnnxKto does not implement for this model type.");
    }

    /// <summary>The keys every Llama-style decoder's config.json shares, in transformers' order: shape, norm epsilon, RoPE base.</summary>
    private static void WriteDecoderShape(ModelConfig config, JsonObject json, string architecture)
    {
        json["architectures"] = new JsonArray(architecture);
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
    }
}
