using System.Text.Json.Nodes;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Builders;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;
using OnnxKto.Runtime;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;

namespace OnnxKto.Tests.Export;

/// <summary>The export of a LoRA run: the merged model as a full run's export, and the adapter as PEFT saves it.</summary>
[TestClass]
public sealed class PeftAdapterWriterTests
{
    private static readonly long[] Ids = [1, 3, 4, 10, 0, 3, 5, 10];
    private static readonly long[] Mask = [1, 1, 1, 1, 1, 1, 1, 1];

    /// <summary>GPT-2 (TinyRun's shape: hidden 16, one layer), PEFT's default target c_attn, ln_f trained in full.</summary>
    [TestMethod]
    public void Gpt2AdapterHasPeftsNamesShapesAndConfig()
    {
        using var dir = new TempFolder();
        var lora = new LoraSettings { UsePeft = true, R = 2, Alpha = 4, ModulesToSave = ["ln_f"] };
        var (_, _, run, _) = LoraRuns.Train(dir.Path, TinyRun.Config, LoraRuns.Config(lora));
        ModelExporter.Export(run, dir.File("export"));

        // Written down from PEFT's rules: "base_model.model." + the transformers module path; A [r, in], B [out, r] (c_attn: 16 → 48).
        AssertTensors(dir.File("export/adapter/adapter_model.safetensors"), new()
        {
            ["base_model.model.transformer.h.0.attn.c_attn.lora_A.weight"] = [2, 16],
            ["base_model.model.transformer.h.0.attn.c_attn.lora_B.weight"] = [48, 2],
            ["base_model.model.transformer.ln_f.weight"] = [16],
            ["base_model.model.transformer.ln_f.bias"] = [16],
        });
        var config = JsonNode.Parse(File.ReadAllText(dir.File("export/adapter/adapter_config.json")))!;
        Assert.AreEqual("LORA", (string?)config["peft_type"]);
        Assert.AreEqual("CAUSAL_LM", (string?)config["task_type"]);
        Assert.AreEqual(2, (int?)config["r"]);
        Assert.AreEqual(4.0, (double?)config["lora_alpha"]);
        Assert.AreEqual(0.0, (double?)config["lora_dropout"]);
        Assert.AreEqual("none", (string?)config["bias"]);
        Assert.AreEqual(true, (bool?)config["fan_in_fan_out"], "GPT-2's Conv1D stores weights [in, out]");
        CollectionAssert.AreEqual(new[] { "c_attn" }, config["target_modules"]!.AsArray().Select(n => (string?)n).ToArray());
        CollectionAssert.AreEqual(new[] { "ln_f" }, config["modules_to_save"]!.AsArray().Select(n => (string?)n).ToArray());
        Assert.AreEqual(dir.File("model"), (string?)config["base_model_name_or_path"]);
        AssertMergedExportIsTheAdapterModel(dir, TinyRun.Config, lora, run);

        // What an exporter serving the adapter unmerged builds on: the base with ln_f (a saved module) trained, and each adapter's tensors.
        var trained = TrainedCheckpoint.LoadTrained(run);
        var (served, _) = TrainedCheckpoint.LoadUnmerged(run);
        var folder = ModelSource.Load(dir.File("model")).Weights;
        CollectionAssert.AreEquivalent(folder.Keys.ToArray(), served.Weights.Keys.ToArray());
        foreach (var (name, tensor) in folder)
            CollectionAssert.AreEqual(name.StartsWith("transformer.ln_f.") ? trained.Model.Weights[name].Bytes.ToArray() : tensor.Bytes.ToArray(), served.Weights[name].Bytes.ToArray(), name);
        var target = trained.Adapter!.Targets.Single();
        Assert.AreEqual("transformer.h.0.attn.c_attn.weight", target.BaseWeight);
        Assert.AreEqual(2.0, target.Scaling);
        CollectionAssert.AreNotEqual(folder["transformer.ln_f.weight"].Bytes.ToArray(), trained.Model.Weights["transformer.ln_f.weight"].Bytes.ToArray(), "ln_f trained in full");
    }

    /// <summary>Qwen2 shape (tied embeddings, q/k/v biases, 2 layers), adapters on every linear layer.</summary>
    [TestMethod]
    public void Qwen2AdapterHasPeftsNamesAndShapesAndTheMergedExportIsTheAdapterModel()
    {
        using var dir = new TempFolder();
        var lora = new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = [LoraSettings.AllLinear] };
        var (_, _, run, _) = LoraRuns.Train(dir.Path, TinyModels.Qwen2, LoraRuns.Config(lora));
        var files = ModelExporter.Export(run, dir.File("export"));
        foreach (var name in new[] { "model.onnx", "genai_config.json", "model.safetensors", "config.json", "adapter/adapter_config.json", "adapter/adapter_model.safetensors" })
            CollectionAssert.Contains(files.ToList(), dir.File("export/" + name));

        // hidden 8, 2 heads x 4 = 8 query outputs, 1 kv head x 4 = 4 key/value outputs, intermediate 10.
        var expected = new Dictionary<string, long[]>();
        foreach (int layer in new[] { 0, 1 })
        {
            string p = $"base_model.model.model.layers.{layer}.";
            foreach (var (module, input, output) in new[] { ("self_attn.q_proj", 8L, 8L), ("self_attn.k_proj", 8, 4), ("self_attn.v_proj", 8, 4), ("self_attn.o_proj", 8, 8),
                ("mlp.gate_proj", 8, 10), ("mlp.up_proj", 8, 10), ("mlp.down_proj", 10, 8) })
            {
                expected[p + module + ".lora_A.weight"] = [2, input];
                expected[p + module + ".lora_B.weight"] = [output, 2];
            }
        }
        AssertTensors(dir.File("export/adapter/adapter_model.safetensors"), expected);
        var config = JsonNode.Parse(File.ReadAllText(dir.File("export/adapter/adapter_config.json")))!;
        Assert.AreEqual(false, (bool?)config["fan_in_fan_out"]);
        CollectionAssert.AreEqual(new[] { "down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj" },
            config["target_modules"]!.AsArray().Select(n => (string?)n).ToArray(), "all-linear is written as the modules it selected");
        using (var merged = SafetensorsFile.Open(dir.File("export/model.safetensors")))
            Assert.IsFalse(merged.TensorNames.Any(LoraLayer.IsAdapterParameter), "the merged model has no adapter tensors");
        AssertMergedExportIsTheAdapterModel(dir, TinyModels.Qwen2, lora, run);
    }

    /// <summary>
    /// Qwen3, OLMo 2 and SmolLM3 keep Llama's module names (q_norm/k_norm and post-norms are not linear, so all-linear
    /// skips them): PEFT's names for every linear layer, and the merged export is the adapter model.
    /// </summary>
    [TestMethod]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    public void FamilyAdaptersHavePeftsNamesAndTheMergedExportIsTheAdapterModel(string name)
    {
        var config = TinyModels.ByName(name);
        using var dir = new TempFolder();
        var lora = new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = [LoraSettings.AllLinear] };
        var (_, _, run, _) = LoraRuns.Train(dir.Path, config, LoraRuns.Config(lora));
        ModelExporter.Export(run, dir.File("export"));

        long e = config.HiddenSize, q = config.NumHeads * config.HeadDim, kv = config.NumKvHeads * config.HeadDim, inner = config.IntermediateSize;
        var expected = new Dictionary<string, long[]>();
        foreach (int layer in new[] { 0, 1 })
            foreach (var (module, input, output) in new[] { ("self_attn.q_proj", e, q), ("self_attn.k_proj", e, kv), ("self_attn.v_proj", e, kv),
                ("self_attn.o_proj", q, e), ("mlp.gate_proj", e, inner), ("mlp.up_proj", e, inner), ("mlp.down_proj", inner, e) })
            {
                string p = $"base_model.model.model.layers.{layer}.{module}";
                expected[p + ".lora_A.weight"] = [2, input];
                expected[p + ".lora_B.weight"] = [output, 2];
            }
        AssertTensors(dir.File("export/adapter/adapter_model.safetensors"), expected);
        AssertMergedExportIsTheAdapterModel(dir, config, lora, run);
    }

    /// <summary>The exported model.onnx (merged, KV cache) gives the logits of the LoRA graph on the base weights plus the trained adapter.</summary>
    private static void AssertMergedExportIsTheAdapterModel(TempFolder dir, ModelConfig config, LoraSettings lora, string run)
    {
        var weights = new Dictionary<string, TensorData>(ModelSource.Load(dir.File("model")).Weights);
        var trained = TrainingCheckpoint.Load(Path.Combine(run, "checkpoint-6", ArtifactNames.Checkpoint));
        var model = ModelBuilders.For(config).Build(new DecoderOptions { Lora = lora });
        foreach (var p in model.Parameters.Where(p => trained.Tensors.ContainsKey(p.Name))) weights[p.Name] = trained.Tensors[p.Name];
        using var session = new OnnxSession(model.Graph);
        var feeds = new Dictionary<string, TensorData>(weights)
        {
            ["input_ids"] = TensorData.FromLongs([2, 4], Ids), ["attention_mask"] = TensorData.FromLongs([2, 4], Mask),
        };
        var expected = session.Run(feeds, ["logits"])["logits"].ToFloats();
        using var exported = InferenceModel.Open(dir.File("export"));
        var actual = exported.Step(Ids, Mask, InferenceModel.PositionsFromMask(Mask, 2), 2, null).Logits.ToFloats();
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], actual[i], 1e-5 * scale, $"logit {i}");
    }

    private static void AssertTensors(string path, Dictionary<string, long[]> expected)
    {
        using var file = SafetensorsFile.Open(path);
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), file.TensorNames.ToArray());
        foreach (var (name, shape) in expected) CollectionAssert.AreEqual(shape, file.Read(name).Dims, name);
    }
}
