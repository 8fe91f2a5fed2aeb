using OnnxKto.Models;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class HfConfigTests
{
    // The published openai-community/gpt2 config.json (abridged: task heads and generation keys dropped).
    private const string Gpt2Json = """
        {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"], "bos_token_id": 50256,
         "eos_token_id": 50256, "layer_norm_epsilon": 1e-05, "model_type": "gpt2", "n_ctx": 1024, "n_embd": 768,
         "n_head": 12, "n_inner": null, "n_layer": 12, "n_positions": 1024, "vocab_size": 50257}
        """;

    // TinyLlama-1.1B: grouped-query attention with 32 query heads sharing 4 key/value heads.
    private const string TinyLlamaJson = """
        {"architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu",
         "hidden_size": 2048, "intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama",
         "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4, "rms_norm_eps": 1e-05,
         "rope_scaling": null, "rope_theta": 10000.0, "tie_word_embeddings": false, "vocab_size": 32000}
        """;

    // Qwen2-0.5B.
    private const string Qwen2Json = """
        {"architectures": ["Qwen2ForCausalLM"], "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
         "hidden_size": 896, "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
         "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
         "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
         "use_sliding_window": false, "vocab_size": 151936}
        """;

    [TestMethod]
    public void Gpt2ConfigMaps()
    {
        var expected = new ModelConfig
        {
            ModelType = "gpt2", Family = ModelFamily.Gpt2, VocabSize = 50257, HiddenSize = 768, NumLayers = 12,
            NumHeads = 12, NumKvHeads = 12, HeadDim = 64, IntermediateSize = 3072, MaxPositions = 1024,
            NormEpsilon = 1e-5, TieWordEmbeddings = true, AttentionBias = true, BosTokenId = 50256, EosTokenId = 50256,
        };
        Assert.AreEqual(expected, HfConfig.Parse(Gpt2Json));
    }

    [TestMethod]
    public void LlamaWithGroupedQueryAttentionMaps()
    {
        var expected = new ModelConfig
        {
            ModelType = "llama", Family = ModelFamily.Llama, VocabSize = 32000, HiddenSize = 2048, NumLayers = 22,
            NumHeads = 32, NumKvHeads = 4, HeadDim = 64, IntermediateSize = 5632, MaxPositions = 2048,
            NormEpsilon = 1e-5, RopeTheta = 10000, TieWordEmbeddings = false, AttentionBias = false, BosTokenId = 1, EosTokenId = 2,
        };
        Assert.AreEqual(expected, HfConfig.Parse(TinyLlamaJson));
    }

    [TestMethod]
    public void Qwen2MapsWithAttentionBiasAndTiedEmbeddings()
    {
        var expected = new ModelConfig
        {
            ModelType = "qwen2", Family = ModelFamily.Llama, VocabSize = 151936, HiddenSize = 896, NumLayers = 24,
            NumHeads = 14, NumKvHeads = 2, HeadDim = 64, IntermediateSize = 4864, MaxPositions = 32768,
            NormEpsilon = 1e-6, RopeTheta = 1e6, TieWordEmbeddings = true, AttentionBias = true, BosTokenId = 151643, EosTokenId = 151643,
        };
        Assert.AreEqual(expected, HfConfig.Parse(Qwen2Json));
    }

    [TestMethod]
    public void LlamaDefaultsApplyWhenKeysAreAbsent()
    {
        var config = HfConfig.Parse("""
            {"model_type": "mistral", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
             "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, "eos_token_id": [7, 9]}
            """);

        Assert.AreEqual(4, config.NumKvHeads);
        Assert.AreEqual(16, config.HeadDim);
        Assert.AreEqual(10000, config.RopeTheta);
        Assert.IsFalse(config.TieWordEmbeddings);
        Assert.IsFalse(config.AttentionBias);
        Assert.AreEqual(7, config.EosTokenId, "a list of EOS ids maps to its first entry");
        Assert.IsNull(config.BosTokenId);
    }

    [TestMethod]
    public void LoadReadsTheFile()
    {
        using var dir = new TempFolder();
        Assert.AreEqual(768, HfConfig.Load(dir.WriteText("config.json", Gpt2Json)).HiddenSize);
    }

    [TestMethod]
    public void UnsupportedModelTypeListsTheSupportedOnes()
    {
        var e = Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse("""{"model_type": "bert"}""", "/ckpt/config.json"));

        StringAssert.Contains(e.Message, "/ckpt/config.json");
        StringAssert.Contains(e.Message, "'bert'");
        StringAssert.Contains(e.Message, "gpt2, llama, mistral, qwen2, qwen3, smollm3, olmo2");
    }

    [TestMethod]
    [DataRow("""{"model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12, "vocab_size": 50257}""", "'n_positions'", "missing")]
    [DataRow("""{"model_type": "gpt2", "n_embd": "768", "n_head": 12, "n_layer": 12, "n_positions": 8, "vocab_size": 50257}""", "'n_embd'", "must be an integer, found \"768\"")]
    [DataRow("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 3, "num_hidden_layers": 2, "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100}""", "num_key_value_heads", "cannot be shared evenly")]
    [DataRow("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 0, "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100}""", "num_hidden_layers", "must be positive")]
    [DataRow("""{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, "tie_word_embeddings": "yes"}""", "'tie_word_embeddings'", "true or false")]
    public void BadKeyIsInvalidDataNamingKeyAndFile(string json, string key, string problem)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => HfConfig.Parse(json, "/ckpt/config.json"));

        StringAssert.Contains(e.Message, "/ckpt/config.json");
        StringAssert.Contains(e.Message, key);
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    [DataRow("\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2.0}", "rope_type 'dynamic'")]
    [DataRow("\"rope_scaling\": {\"rope_type\": \"su\", \"factor\": 2.0}", "rope_type 'su'")]
    [DataRow("\"mlp_bias\": true", "'mlp_bias'")]
    [DataRow("\"partial_rotary_factor\": 0.5", "'partial_rotary_factor'")]
    [DataRow("\"hidden_act\": \"gelu\"", "hidden_act 'gelu'")]
    public void UnsupportedFeatureIsRefused(string extraKey, string expected)
    {
        string json = $$"""
            {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2,
             "intermediate_size": 128, "max_position_embeddings": 256, "vocab_size": 100, {{extraKey}}}
            """;

        var e = Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.Parse(json));
        StringAssert.Contains(e.Message, expected);
    }
}
