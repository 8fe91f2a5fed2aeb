using System.Text.Json;
using OnnxKto.Models;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Models.Checkpoints;

[TestClass]
public sealed class HfConfigToJsonTests
{
    [TestMethod]
    [DataRow("gpt2")]
    [DataRow("llama")]
    [DataRow("qwen2")]
    [DataRow("gemma2")]
    [DataRow("gemma3")]
    [DataRow("phi3")]
    public void ParsingTheWrittenConfigGivesTheSameConfig(string architecture)
    {
        var config = TinyModels.ByName(architecture) with { BosTokenId = 3, PadTokenId = 4 };
        Assert.AreEqual(config, HfConfig.Parse(HfConfig.ToJson(config)));
    }

    [TestMethod]
    public void PresetsRoundTripWithHuggingFaceKeys()
    {
        foreach (var name in Presets.Names)
            Assert.AreEqual(Presets.Get(name), HfConfig.Parse(HfConfig.ToJson(Presets.Get(name))), name);
        using var gpt2 = JsonDocument.Parse(HfConfig.ToJson(Presets.Get("gpt2-mini")));
        Assert.AreEqual(256, gpt2.RootElement.GetProperty("n_embd").GetInt32());
        Assert.AreEqual("GPT2LMHeadModel", gpt2.RootElement.GetProperty("architectures")[0].GetString());
    }

    [TestMethod]
    public void MistralWithAttentionBiasCannotBeWritten()
    {
        var mistral = TinyModels.Llama with { ModelType = "mistral", AttentionBias = true };
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => HfConfig.ToJson(mistral)).Message, "attention_bias");
    }
}
