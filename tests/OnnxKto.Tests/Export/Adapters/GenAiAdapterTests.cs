using Microsoft.ML.OnnxRuntimeGenAI;
using OnnxKto.Export;
using OnnxKto.Export.Adapters;
using OnnxKto.Generation;
using OnnxKto.Graphs;
using OnnxKto.Models;
using OnnxKto.Models.Lora;
using OnnxKto.Tests.TestUtil;
using GenAiAdapters = Microsoft.ML.OnnxRuntimeGenAI.Adapters;

namespace OnnxKto.Tests.Export.Adapters;

/// <summary>
/// ORT GenAI 0.18 serves an exported LoRA adapter without merging: the base model with adapter inputs plus the
/// <c>.onnx_adapter</c> file generates the merged model's greedy tokens, and the base model's with no adapter active.
/// </summary>
[TestClass]
public sealed class GenAiAdapterTests
{
    private const string AdapterName = "kto";
    private static readonly int[] Prompt = [3, 1, 4, 1, 5];
    private const int NewTokens = 8;

    [TestMethod]
    [DataRow("gpt2", new[] { "attn.c_attn", "mlp.c_proj" }, DisplayName = "gpt2 (Conv1D weights [in, out])")]
    [DataRow("llama", new[] { "self_attn.q_proj", "self_attn.v_proj", "mlp.down_proj" }, DisplayName = "llama (Linear weights [out, in])")]
    public void GenAiWithTheAdapterGeneratesTheMergedModelsTokensAndWithoutItTheBases(string architecture, string[] modules)
    {
        var config = TinyModels.ByName(architecture) with { MaxPositions = 16 };
        using var dir = new TempFolder();
        var weights = TinyRuns.WriteModelFolder(dir.File("model"), config, seed: 1);
        var source = ModelSource.Load(dir.File("model"));
        bool outIn = architecture != "gpt2";
        string prefix = outIn ? "model.layers" : "transformer.h";
        var targets = Enumerable.Range(0, config.NumLayers)
            .SelectMany(layer => modules.Select(m => RandomTarget(weights, $"{prefix}.{layer}.{m}", outIn, seed: 7 * layer + m.Length)))
            .ToList();

        ModelExporter.Export(source, dir.File("base"));
        ModelExporter.Export(source with { Weights = Merged(weights, targets) }, dir.File("merged"));
        var files = ModelExporter.Export(source, dir.File("served"), optimize: false, log: null, servedAdapter: targets);
        var adapterPath = dir.File(Path.Combine("served", OnnxAdapterFile.DefaultName));
        CollectionAssert.Contains(files.ToList(), adapterPath);

        AssertServed(dir.File("base"), dir.File("merged"), dir.File("served"), adapterPath);
    }

    [TestMethod]
    public void ATrainedLoraRunExportedWithGenAiAdaptersServesWhatItsMergedExportGenerates()
    {
        var config = TinyModels.Llama with { MaxPositions = 16 };
        using var dir = new TempFolder();
        var lora = new LoraSettings { UsePeft = true, R = 2, Alpha = 4, TargetModules = ["q_proj", "v_proj", "up_proj"] };
        var (_, _, run, _) = LoraRuns.Train(dir.Path, config, LoraRuns.Config(lora));

        ModelExporter.Export(ModelSource.Load(dir.File("model")), dir.File("base"));
        ModelExporter.Export(run, dir.File("merged"));
        var files = ModelExporter.Export(run, dir.File("served"), adapters: AdapterExport.GenAi);
        var adapterPath = dir.File(Path.Combine("served", OnnxAdapterFile.DefaultName));
        CollectionAssert.Contains(files.ToList(), adapterPath);
        Assert.IsTrue(File.Exists(dir.File(Path.Combine("served", PeftAdapterWriter.Folder, PeftAdapterWriter.WeightsFile))), "the PEFT adapter is written too");

        AssertServed(dir.File("base"), dir.File("merged"), dir.File("served"), adapterPath);
    }

    [TestMethod]
    public void GenAiAdaptersOfAFullRunAreAUserError()
    {
        using var dir = new TempFolder();
        var (run, _) = TinyRuns.WriteRun(dir.Path, TinyModels.Gpt2, 1);
        var error = Assert.ThrowsExactly<UserError>(() => ModelExporter.Export(run, dir.File("out"), adapters: AdapterExport.GenAi));
        StringAssert.Contains(error.Hint, "use_peft");
    }

    // GenAI on the served folder: with the adapter, the merged export's greedy tokens; without, the base export's.
    private static void AssertServed(string baseFolder, string mergedFolder, string servedFolder, string adapterPath)
    {
        var baseTokens = Greedy(baseFolder, adapterPath: null);
        var mergedTokens = Greedy(mergedFolder, adapterPath: null);
        CollectionAssert.AreNotEqual(baseTokens, mergedTokens, "the adapter must change the greedy tokens for this test to tell");
        CollectionAssert.AreEqual(mergedTokens, Greedy(servedFolder, adapterPath), $"with the adapter: merged model's [{string.Join(", ", mergedTokens)}]");
        CollectionAssert.AreEqual(baseTokens, Greedy(servedFolder, adapterPath: null), $"without it: base model's [{string.Join(", ", baseTokens)}]");

        // Our own generator runs the served folder too (feeding no adapter inputs): the base model.
        var options = new GenerationOptions { MaxNewTokens = NewTokens };
        using var ours = InferenceModel.Open(servedFolder);
        using var oursBase = InferenceModel.Open(baseFolder);
        CollectionAssert.AreEqual(new TextGenerator(oursBase).Generate([Prompt], options)[0], new TextGenerator(ours).Generate([Prompt], options)[0]);

        // And with the adapter file's matrices fed as inputs (what `serve --adapter` does), the merged model's.
        using var oursMerged = InferenceModel.Open(mergedFolder);
        var adapter = OnnxAdapterFile.Read(adapterPath).ToDictionary(p => p.Key, p => p.Value);
        int[]? adapted = null;
        using (var batcher = new ContinuousBatcher(ours, 2, adapter))
        {
            batcher.Enqueue(new DecodeRequest { Prompt = Prompt, Options = options, OnFinished = (ids, _) => adapted = ids });
            while (!batcher.IsIdle) batcher.Step();
        }
        CollectionAssert.AreEqual(new TextGenerator(oursMerged).Generate([Prompt], options)[0], adapted);
    }

    // A [r, in] and B [out, r] large enough to move the greedy tokens (a trained B is not PEFT's initial zero).
    private static LoraTarget RandomTarget(Dictionary<string, TensorData> weights, string module, bool outIn, int seed)
    {
        const int rank = 2;
        var dims = weights[$"{module}.weight"].Dims;
        long inFeatures = outIn ? dims[1] : dims[0], outFeatures = outIn ? dims[0] : dims[1];
        var rng = new Random(seed);
        return new LoraTarget(new LoraLayer(module, inFeatures, outFeatures, outIn, Scaling: 1.5),
            RandomMatrix(rng, rank, inFeatures), RandomMatrix(rng, outFeatures, rank));
    }

    private static TensorData RandomMatrix(Random rng, long rows, long cols) =>
        TensorData.FromFloats([rows, cols], Enumerable.Range(0, (int)(rows * cols)).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray());

    // W + scaling·B·A in float64, laid out as the base weight is ([out, in], or [in, out] for Conv1D).
    private static Dictionary<string, TensorData> Merged(Dictionary<string, TensorData> weights, IEnumerable<LoraTarget> targets)
    {
        var merged = new Dictionary<string, TensorData>(weights);
        foreach (var t in targets)
        {
            var w = weights[t.BaseWeight].ToFloats();
            var (a, b) = (t.A.ToFloats(), t.B.ToFloats());
            long rank = t.A.Dims[0], n = t.Layer.InFeatures, m = t.Layer.OutFeatures;
            for (long o = 0; o < m; o++)
                for (long i = 0; i < n; i++)
                {
                    double delta = 0;
                    for (long k = 0; k < rank; k++) delta += b[o * rank + k] * (double)a[k * n + i];
                    w[t.Layer.WeightIsOutIn ? o * n + i : i * m + o] += (float)(t.Scaling * delta);
                }
            merged[t.BaseWeight] = TensorData.FromFloats(weights[t.BaseWeight].Dims, w);
        }
        return merged;
    }

    private static int[] Greedy(string folder, string? adapterPath)
    {
        using var model = new Model(folder);
        using var adapters = new GenAiAdapters(model);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", Prompt.Length + NewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        if (adapterPath is not null)
        {
            adapters.LoadAdapter(adapterPath, AdapterName);
            generator.SetActiveAdapter(adapters, AdapterName);
        }
        generator.AppendTokens(Prompt);
        while (!generator.IsDone()) generator.GenerateNextToken();
        return generator.GetSequence(0).ToArray()[Prompt.Length..];
    }
}
