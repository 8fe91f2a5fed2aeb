using System.Text.Json;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Tokenizers;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Export;

[TestClass]
public sealed class ModelExporterTests
{
    // Row 0 full, row 1 left-padded, row 2 right-padded.
    private static readonly long[] Ids = [1, 5, 9, 2, 7, 0, 0, 3, 8, 4, 6, 2, 9, 0, 0];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0];
    private const int Batch = 3, Seq = 5;

    [TestMethod]
    [DynamicData(nameof(TinyModels.Architectures), typeof(TinyModels))]
    public void ExportedLogitsEqualTheTrainingForwardWithTheCheckpointWeights(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        using var dir = new TempFolder();
        var (run, weights) = TinyRuns.WriteRun(dir.Path, config, 2, 10, 9);
        var exported = dir.File("export");

        ModelExporter.Export(run, exported);

        // The training side: the forward graph without cache, parameters fed as inputs.
        var forward = ModelBuilders.For(config).Build();
        using var training = new OnnxSession(forward.Graph);
        var feeds = new Dictionary<string, TensorData>(weights[10])
        {
            ["input_ids"] = TensorData.FromLongs([Batch, Seq], Ids), ["attention_mask"] = TensorData.FromLongs([Batch, Seq], Mask),
        };
        var expected = training.Run(feeds, ["logits"])["logits"].ToFloats();
        using var model = InferenceModel.Open(exported);
        var actual = model.Step(Ids, Mask, InferenceModel.PositionsFromMask(Mask, Batch), Batch, null).Logits.ToFloats();
        AssertClose(expected, actual, Mask, config.VocabSize, "checkpoint-10 (the highest step, not the last listed)");
        Assert.IsTrue(OnnxModelFile.Load(Path.Combine(exported, ModelFiles.Onnx)).Nodes.All(n => n.Domain == ""), "standard ONNX operators only");
    }

    [TestMethod]
    [DataRow("qwen2")]
    [DataRow("gemma2")]
    [DataRow("phi3")]
    public void SafetensorsHoldTheWeightsUnderHuggingFaceNamesAndReloadAsACheckpointFolder(string architecture)
    {
        var config = TinyModels.ByName(architecture);  // tied heads: no lm_head.weight may be written
        using var dir = new TempFolder();
        var (run, weights) = TinyRuns.WriteRun(dir.Path, config, 3);
        var exported = dir.File("export");
        ModelExporter.Export(Path.Combine(run, "checkpoint-3"), exported);

        using (var file = SafetensorsFile.Open(Path.Combine(exported, "model.safetensors")))
        {
            CollectionAssert.AreEquivalent(weights[3].Keys.ToArray(), file.TensorNames.ToArray());
            CollectionAssert.DoesNotContain(file.TensorNames.ToArray(), "lm_head.weight");
            foreach (var (name, tensor) in weights[3])
                CollectionAssert.AreEqual(tensor.Bytes.ToArray(), file.Read(name).Bytes.ToArray(), name);
        }
        Assert.AreEqual(config, HfConfig.Load(Path.Combine(exported, "config.json")), "config.json is the model folder's");
        Assert.IsTrue(File.Exists(Path.Combine(exported, "vocab.json")) && File.Exists(Path.Combine(exported, "merges.txt")));
        Assert.AreEqual(10, ModelTokenizer.Load(exported).EosTokenId);

        // The exported folder is also a Hugging Face checkpoint folder: the builder's graph on it gives model.onnx's logits.
        using var fromOnnx = InferenceModel.Open(exported);
        using var fromSafetensors = InferenceModel.FromSource(ModelSource.Load(exported));
        var positions = InferenceModel.PositionsFromMask(Mask, Batch);
        AssertClose(fromSafetensors.Step(Ids, Mask, positions, Batch, null).Logits.ToFloats(),
            fromOnnx.Step(Ids, Mask, positions, Batch, null).Logits.ToFloats(), Mask, config.VocabSize, "reloaded");
    }

    /// <summary>
    /// The exported config.json and model.safetensors load back into OnnxKto as the same family (rope scaling, norms,
    /// windows and all) and give model.onnx's logits.
    /// </summary>
    [TestMethod]
    [DataRow("llama3-rope")]
    [DataRow("yarn-rope")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("qwen2-sliding")]
    public void ExportedFolderLoadsBackAsTheSameFamily(string architecture)
    {
        var config = TinyModels.ByName(architecture);
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, config, 2);
        var exported = dir.File("export");
        ModelExporter.Export(run, exported);

        Assert.AreEqual(config, HfConfig.Load(Path.Combine(exported, "config.json")));
        using var fromOnnx = InferenceModel.Open(exported);
        using var fromSafetensors = InferenceModel.FromSource(ModelSource.Load(exported));
        var positions = InferenceModel.PositionsFromMask(Mask, Batch);
        AssertClose(fromSafetensors.Step(Ids, Mask, positions, Batch, null).Logits.ToFloats(),
            fromOnnx.Step(Ids, Mask, positions, Batch, null).Logits.ToFloats(), Mask, config.VocabSize, "reloaded");
    }

    [TestMethod]
    public void GenAiConfigDescribesTheDecoder()
    {
        var config = TinyModels.Llama;
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, config, 1);
        var exported = dir.File("export");
        ModelExporter.Export(run, exported);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(exported, "genai_config.json")));
        var model = json.RootElement.GetProperty("model");
        Assert.AreEqual("llama", model.GetProperty("type").GetString());
        Assert.AreEqual(64, model.GetProperty("context_length").GetInt32());
        Assert.AreEqual(11, model.GetProperty("vocab_size").GetInt32());
        Assert.AreEqual(10, model.GetProperty("eos_token_id").GetInt32());
        Assert.AreEqual(10, model.GetProperty("pad_token_id").GetInt32(), "the tokenizer's pad (its EOS) when config.json has none");
        var decoder = model.GetProperty("decoder");
        Assert.AreEqual("model.onnx", decoder.GetProperty("filename").GetString());
        Assert.AreEqual(2, decoder.GetProperty("head_size").GetInt32());
        Assert.AreEqual(8, decoder.GetProperty("hidden_size").GetInt32());
        Assert.AreEqual(4, decoder.GetProperty("num_attention_heads").GetInt32());
        Assert.AreEqual(2, decoder.GetProperty("num_key_value_heads").GetInt32());
        Assert.AreEqual(2, decoder.GetProperty("num_hidden_layers").GetInt32());
        var inputs = decoder.GetProperty("inputs");
        Assert.AreEqual("past_key_values.%d.key", inputs.GetProperty("past_key_names").GetString());
        Assert.AreEqual("past_key_values.%d.value", inputs.GetProperty("past_value_names").GetString());
        Assert.AreEqual("position_ids", inputs.GetProperty("position_ids").GetString());
        var outputs = decoder.GetProperty("outputs");
        Assert.AreEqual("present.%d.key", outputs.GetProperty("present_key_names").GetString());
        Assert.AreEqual("present.%d.value", outputs.GetProperty("present_value_names").GetString());
        Assert.IsFalse(json.RootElement.GetProperty("search").GetProperty("past_present_share_buffer").GetBoolean());

        // Every name the config promises is an input or output of model.onnx, with the cache shaped as GenAI expects.
        var graph = OnnxModelFile.Load(Path.Combine(exported, "model.onnx"));
        var past = graph["past_key_values.1.value"];
        Assert.AreEqual("[batch, 2, past_seq, 2]", past.Shape!.ToString());
        Assert.IsTrue(graph.Outputs.Any(o => o.Name == "present.1.key") && graph.Outputs[0].Name == "logits");
        Assert.IsTrue(graph.Initializers.Any(i => i.Name == "model.layers.0.self_attn.q_proj.weight"), "parameters are initializers");
        Assert.IsFalse(graph.Inputs.Any(i => i.Name.StartsWith("model.")), "no parameter is left as an input");
    }

    [TestMethod]
    public void PresetExportWritesAGpt2TokenizerAndAHuggingFaceConfig()
    {
        using var dir = new TempFolder();
        ModelExporter.Export(ModelSource.Load("preset:gpt2-tiny"), dir.Path);

        Assert.AreEqual(Presets.Get("gpt2-tiny"), HfConfig.Load(dir.File("config.json")));
        var written = ModelTokenizer.Load(dir.Path);
        var builtIn = ModelTokenizer.Gpt2();
        foreach (var text in new[] { "Hello world", " The quick brown fox's 123 jumps!\n\nOK", "naïve café — 日本語 🙂", "<|endoftext|>a<|endoftext|>" })
        {
            CollectionAssert.AreEqual(builtIn.Encode(text), written.Encode(text), text);
            Assert.AreEqual(text, written.Decode(written.Encode(text)));
        }
        Assert.AreEqual(50256, written.EosTokenId);
        Assert.AreEqual("decoder", JsonDocument.Parse(File.ReadAllText(dir.File("genai_config.json"))).RootElement.GetProperty("model").GetProperty("type").GetString());
    }

    [TestMethod]
    public void OptimizeWritesAnOrtOptimizedCopyThatGivesTheSameLogits()
    {
        var config = TinyModels.Gpt2;
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, config, 1);
        var exported = dir.File("export");
        var files = ModelExporter.Export(run, exported, optimize: true);

        CollectionAssert.Contains(files.ToArray(), Path.Combine(exported, ModelFiles.OptimizedOnnx));
        using var plain = InferenceModel.Open(exported);
        using var optimized = new OnnxSession(Path.Combine(exported, ModelFiles.OptimizedOnnx));
        var feeds = new Dictionary<string, TensorData>
        {
            ["input_ids"] = TensorData.FromLongs([Batch, Seq], Ids), ["attention_mask"] = TensorData.FromLongs([Batch, Seq], Mask),
            ["position_ids"] = TensorData.FromLongs([Batch, Seq], InferenceModel.PositionsFromMask(Mask, Batch)),
        };
        for (int layer = 0; layer < config.NumLayers; layer++)
            foreach (var name in new[] { $"past_key_values.{layer}.key", $"past_key_values.{layer}.value" })
                feeds[name] = TensorData.FromFloats([Batch, config.NumKvHeads, 0, config.HeadDim], []);
        AssertClose(plain.Session.Run(feeds, ["logits"])["logits"].ToFloats(), optimized.Run(feeds, ["logits"])["logits"].ToFloats(),
            Mask, config.VocabSize, "optimized");
    }

    [TestMethod]
    public void AnExportedModelWhoseExternalDataLeavesTheFolderIsRefused()
    {
        using var dir = new TempFolder();
        // 64 positions make wpe 2 KiB, past the external-data threshold.
        var (run, _) = TinyRuns.WriteRun(dir.Path, TinyModels.Gpt2 with { MaxPositions = 64 }, 1);
        var exported = dir.File("export");
        ModelExporter.Export(run, exported);
        var path = Path.Combine(exported, "model.onnx");
        var proto = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var tensor = proto.Graph.Initializer.First(t => t.ExternalData.Count > 0);
        tensor.ExternalData.First(e => e.Key == "location").Value = "../secret.data";
        File.Copy(path + ".data", dir.File("secret.data"));
        File.WriteAllBytes(path, Google.Protobuf.MessageExtensions.ToByteArray(proto));

        var e = Assert.ThrowsExactly<InvalidDataException>(() => InferenceModel.Open(exported));
        StringAssert.Contains(e.Message, "outside the model folder");
        StringAssert.Contains(e.Message, tensor.Name);
    }

    [TestMethod]
    public void ExportingIntoTheModelFolderIsRefused()
    {
        using var dir = new TempFolder();
        TinyRuns.WriteModelFolder(dir.Path, TinyModels.Gpt2, seed: 3);
        var e = Assert.ThrowsExactly<UserError>(() => ModelExporter.Export(ModelSource.Load(dir.Path), dir.Path));
        StringAssert.Contains(e.Message, "--out");
    }

    private static void AssertClose(float[] expected, float[] actual, long[] mask, int vocab, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++)
            if (mask[i / vocab] == 1)
                Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"{what}: logit {i}");
    }
}
