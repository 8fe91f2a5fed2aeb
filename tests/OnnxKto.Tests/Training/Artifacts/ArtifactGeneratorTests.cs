using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models;
using OnnxKto.Tests.TestUtil;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;

namespace OnnxKto.Tests.Training.Artifacts;

[TestClass]
public sealed class ArtifactGeneratorTests
{
    private static readonly string[] Files =
    [
        ArtifactNames.TrainingModel, ArtifactNames.EvalModel, ArtifactNames.ReferenceModel, ArtifactNames.GradientNormModel,
        ArtifactNames.OptimizerModel, ArtifactNames.Checkpoint, ArtifactNames.Manifest,
    ];

    [TestMethod]
    public void WritesAllSevenFilesForAHuggingFaceFolder()
    {
        using var dir = new TempFolder();
        var model = TinyRun.WriteModel(dir.File("model"));
        var manifest = ArtifactGenerator.Generate(ModelSource.Load(model), new KtoConfig { Parameters = new ParameterSelection { Frozen = ["wpe"] } }, dir.File("out"));
        foreach (var file in Files) Assert.IsTrue(File.Exists(dir.File($"out/{file}")), file);

        var loaded = ArtifactManifest.Load(dir.File("out"));
        Assert.AreEqual(manifest.ModelFingerprint, loaded.ModelFingerprint);
        Assert.AreEqual(Path.GetFullPath(model), loaded.Model);
        Assert.IsFalse(loaded.Parameters.Single(p => p.Name == "transformer.wpe.weight").Trainable);
        CollectionAssert.Contains(loaded.Graphs[ArtifactNames.TrainingModel].Outputs.ToList(), "transformer.h.0.attn.c_attn.weight_grad");
        Assert.AreEqual("loss", loaded.Graphs[ArtifactNames.TrainingModel].Outputs[0], "the loss is the first output");

        var checkpoint = TrainingCheckpoint.Load(dir.File($"out/{ArtifactNames.Checkpoint}"));
        Assert.AreEqual(0, checkpoint.Step);
        Assert.IsTrue(checkpoint.Tensors.ContainsKey("transformer.h.0.mlp.c_fc.weight.exp_avg_sq"));
        Assert.IsFalse(checkpoint.Tensors.ContainsKey("transformer.wpe.weight.exp_avg"), "frozen parameters have no optimizer state");
        // Standard ONNX only: no node outside the default domain in any graph.
        foreach (var file in Files.Where(f => f.EndsWith(".onnx")))
            Assert.IsTrue(OnnxModelFile.Load(dir.File($"out/{file}")).Nodes.All(n => n.Domain == ""), file);
    }

    [TestMethod]
    public void WritesArtifactsForAPreset()
    {
        using var dir = new TempFolder();
        ArtifactGenerator.Generate(ModelSource.Load("preset:llama-tiny"), new KtoConfig(), dir.File("out"));
        foreach (var file in Files) Assert.IsTrue(File.Exists(dir.File($"out/{file}")), file);
        Assert.AreEqual("preset:llama-tiny", ArtifactManifest.Load(dir.File("out")).Model);
    }

    /// <summary>The manifest's model_config carries rope scaling, layer sets and norms; configurations without them keep their old JSON.</summary>
    [TestMethod]
    [DataRow("llama3-rope")]
    [DataRow("yarn-rope")]
    [DataRow("linear-rope")]
    [DataRow("qwen3")]
    [DataRow("olmo2")]
    [DataRow("smollm3")]
    [DataRow("mistral-sliding")]
    [DataRow("qwen2-sliding")]
    [DataRow("llama")]
    public void ManifestJsonKeepsEachFamilysConfig(string name)
    {
        var config = TinyModels.ByName(name);
        var json = System.Text.Json.JsonSerializer.Serialize(config, ArtifactManifest.Json);
        Assert.AreEqual(config, System.Text.Json.JsonSerializer.Deserialize<ModelConfig>(json, ArtifactManifest.Json), json);
        if (name == "llama")
            foreach (var key in new[] { "rope_scaling", "no_rope_layers", "sliding", "qk_norm", "norm_placement" })
                Assert.IsFalse(json.Contains(key, StringComparison.Ordinal), $"{key} in {json}");
    }

    [TestMethod]
    public void UnknownPresetListsThePresets()
    {
        var e = Assert.ThrowsExactly<UserError>(() => ModelSource.Load("preset:gpt5"));
        StringAssert.Contains(e.Message, "preset:gpt2-tiny");
    }
}
