using System.Text.Json;
using System.Text.Json.Nodes;

namespace OnnxKto.Models.Checkpoints;

/// <summary>
/// Maps a Hugging Face <c>config.json</c> onto <see cref="ModelConfig"/>: the one place where Hugging Face key
/// names (<c>n_embd</c>, <c>hidden_size</c>, ...) and their defaults are known.
/// </summary>
internal static partial class HfConfig
{
    private delegate ModelConfig Mapper(JsonFields json, string modelType);

    // One row per supported model_type; the Llama family differs only in its attention-bias rule.
    private static readonly Dictionary<string, Mapper> Architectures = new(StringComparer.Ordinal)
    {
        ["gpt2"] = Gpt2,
        ["llama"] = (json, type) => Llama(json, type, json.OptionalBool("attention_bias") ?? false),
        ["mistral"] = (json, type) => Llama(json, type, attentionBias: false),
        ["qwen2"] = (json, type) => Llama(json, type, attentionBias: true),
        ["gemma2"] = Gemma,
        ["gemma3_text"] = Gemma,
        ["phi3"] = Phi3,
    };

    /// <summary>Reads <paramref name="configPath"/> (a Hugging Face <c>config.json</c>).</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">Invalid JSON, or a key missing, wrongly typed or out of range (the message names the key and the file).</exception>
    /// <exception cref="NotSupportedException">An unsupported <c>model_type</c>, <c>rope_scaling</c>, sliding window or activation.</exception>
    public static ModelConfig Load(string configPath)
    {
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"Model config '{configPath}' does not exist; a Hugging Face checkpoint folder holds it as config.json.", configPath);
        return Map(JsonFields.Load(configPath));
    }

    /// <summary>Parses config JSON text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">Invalid JSON, or a key missing, wrongly typed or out of range.</exception>
    /// <exception cref="NotSupportedException">An unsupported <c>model_type</c>, <c>rope_scaling</c>, sliding window or activation.</exception>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            return Map(new JsonFields(doc.RootElement, source));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The Hugging Face <c>config.json</c> text of <paramref name="config"/> (e.g. for a model trained from a preset),
    /// written with the keys <see cref="Parse"/> reads, so <c>Parse(ToJson(c)) == c</c>.
    /// </summary>
    /// <exception cref="NotSupportedException">A combination Hugging Face's config for that model type cannot express
    /// (e.g. q/k/v biases on a <c>mistral</c> model).</exception>
    public static string ToJson(ModelConfig config)
    {
        if (!Architectures.ContainsKey(config.ModelType))
            throw new NotSupportedException($"model_type '{config.ModelType}' has no Hugging Face config mapping; supported: {string.Join(", ", Architectures.Keys)}.");
        var json = new JsonObject { ["model_type"] = config.ModelType };
        if (config.Family == ModelFamily.Gemma) WriteGemma(config, json);
        else if (config.Family == ModelFamily.Phi3) WritePhi3(config, json);
        else if (config.Family == ModelFamily.Gpt2)
        {
            json["architectures"] = new JsonArray("GPT2LMHeadModel");
            json["vocab_size"] = config.VocabSize;
            json["n_embd"] = config.HiddenSize;
            json["n_layer"] = config.NumLayers;
            json["n_head"] = config.NumHeads;
            json["n_inner"] = config.IntermediateSize;
            json["n_positions"] = config.MaxPositions;
            json["n_ctx"] = config.MaxPositions;
            json["layer_norm_epsilon"] = config.NormEpsilon;
            json["activation_function"] = "gelu_new";
            json["tie_word_embeddings"] = true;
        }
        else
        {
            bool impliedBias = config.ModelType == "qwen2";
            if (config.ModelType != "llama" && config.AttentionBias != impliedBias)
                throw new NotSupportedException($"A {config.ModelType} config.json cannot say attention_bias {config.AttentionBias.ToString().ToLowerInvariant()}; use model_type 'llama'.");
            json["architectures"] = new JsonArray(config.ModelType switch { "qwen2" => "Qwen2ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" });
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
            json["hidden_act"] = "silu";
            json["tie_word_embeddings"] = config.TieWordEmbeddings;
            if (config.ModelType == "llama") json["attention_bias"] = config.AttentionBias;
        }
        json["bos_token_id"] = config.BosTokenId;
        json["eos_token_id"] = config.EosTokenId;
        json["pad_token_id"] = config.PadTokenId;
        json["torch_dtype"] = "float32";
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static ModelConfig Map(JsonFields json)
    {
        string modelType = json.String("model_type");
        if (modelType == "gemma3")
            throw new NotSupportedException(
                $"{json.Source}: model_type 'gemma3' is Gemma 3's image-and-text checkpoint (Gemma3ForConditionalGeneration), whose " +
                "language model OnnxKto does not read out of it; use a text-only Gemma 3 checkpoint (model_type 'gemma3_text', e.g. google/gemma-3-1b-it).");
        if (!Architectures.TryGetValue(modelType, out var map))
            throw new NotSupportedException(
                $"{json.Source}: model_type '{modelType}' is not supported; supported model types: {string.Join(", ", Architectures.Keys)}.");
        var config = map(json, modelType);
        Check(json, "num_attention_heads / num_key_value_heads", config.NumHeads % config.NumKvHeads == 0,
            $"{config.NumHeads} query heads cannot be shared evenly by {config.NumKvHeads} key/value heads");
        return config;
    }

    private static ModelConfig Gpt2(JsonFields json, string modelType)
    {
        string activation = json.OptionalString("activation_function") ?? "gelu_new";
        if (activation != "gelu_new")
            throw new NotSupportedException($"{json.Source}: activation_function '{activation}' is not supported; GPT-2 models use 'gelu_new' (tanh-approximate GELU).");
        int hidden = Positive(json, "n_embd");
        int heads = Positive(json, "n_head");
        Check(json, "n_embd", hidden % heads == 0, $"n_embd {hidden} is not divisible by n_head {heads}");
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Gpt2,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            NumLayers = Positive(json, "n_layer"),
            NumHeads = heads,
            NumKvHeads = heads,
            HeadDim = hidden / heads,
            IntermediateSize = json.OptionalInt("n_inner") ?? 4 * hidden,
            MaxPositions = Positive(json, "n_positions"),
            NormEpsilon = json.OptionalDouble("layer_norm_epsilon") ?? 1e-5,
            TieWordEmbeddings = true,
            AttentionBias = true,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
    }

    private static ModelConfig Llama(JsonFields json, string modelType, bool attentionBias)
    {
        if (json.Has("rope_scaling"))
            throw new NotSupportedException($"{json.Source}: rope_scaling is set, which is not supported yet; only plain rotary embeddings (rope_scaling null) are.");
        if (json.OptionalBool("use_sliding_window") == true)
            throw new NotSupportedException($"{json.Source}: use_sliding_window is true, which is not supported yet.");
        string activation = json.OptionalString("hidden_act") ?? "silu";
        if (activation != "silu")
            throw new NotSupportedException($"{json.Source}: hidden_act '{activation}' is not supported; the Llama family uses 'silu'.");

        int hidden = Positive(json, "hidden_size");
        int heads = Positive(json, "num_attention_heads");
        int? headDim = json.OptionalInt("head_dim");
        if (headDim is null)
            Check(json, "hidden_size", hidden % heads == 0, $"hidden_size {hidden} is not divisible by num_attention_heads {heads}; set head_dim");
        return new ModelConfig
        {
            ModelType = modelType,
            Family = ModelFamily.Llama,
            VocabSize = Positive(json, "vocab_size"),
            HiddenSize = hidden,
            NumLayers = Positive(json, "num_hidden_layers"),
            NumHeads = heads,
            NumKvHeads = json.Has("num_key_value_heads") ? Positive(json, "num_key_value_heads") : heads,
            HeadDim = headDim ?? hidden / heads,
            IntermediateSize = Positive(json, "intermediate_size"),
            MaxPositions = Positive(json, "max_position_embeddings"),
            NormEpsilon = json.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = json.OptionalDouble("rope_theta") ?? 10000,
            TieWordEmbeddings = json.OptionalBool("tie_word_embeddings") ?? false,
            AttentionBias = attentionBias,
            BosTokenId = json.OptionalFirstInt("bos_token_id"),
            EosTokenId = json.OptionalFirstInt("eos_token_id"),
            PadTokenId = json.OptionalFirstInt("pad_token_id"),
        };
    }

    private static int Positive(JsonFields json, string key)
    {
        int value = json.Int(key);
        Check(json, key, value > 0, $"{key} is {value}; it must be positive");
        return value;
    }

    private static void Check(JsonFields json, string key, bool ok, string problem)
    {
        if (!ok)
            throw new InvalidDataException($"{json.Source}: {problem} (key '{key}').");
    }
}
