using Microsoft.ML.OnnxRuntimeGenAI;
using OnnxKto.Export;
using OnnxKto.Export.Adapters;
using OnnxKto.Graphs;
using OnnxKto.Models;
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
        string prefix = architecture == "gpt2" ? "transformer.h" : "model.layers";
        var factors = Enumerable.Range(0, config.NumLayers)
            .SelectMany(layer => modules.Select(m => RandomFactors(weights, $"{prefix}.{layer}.{m}.weight", outIn: architecture != "gpt2", seed: 7 * layer + m.Length)))
            .ToList();

        ModelExporter.Export(source, dir.File("base"));
        ModelExporter.Export(source with { Weights = Merged(weights, factors, outIn: architecture != "gpt2") }, dir.File("merged"));
        var files = ModelExporter.Export(source, dir.File("served"), servedAdapter: factors);
        var adapterPath = dir.File(Path.Combine("served", OnnxAdapterFile.DefaultName));
        CollectionAssert.Contains(files.ToList(), adapterPath);

        var baseTokens = Greedy(dir.File("base"), adapterPath: null);
        var mergedTokens = Greedy(dir.File("merged"), adapterPath: null);
        CollectionAssert.AreNotEqual(baseTokens, mergedTokens, "the adapter must change the greedy tokens for this test to tell");
        CollectionAssert.AreEqual(mergedTokens, Greedy(dir.File("served"), adapterPath), $"with the adapter: merged model's [{string.Join(", ", mergedTokens)}]");
        CollectionAssert.AreEqual(baseTokens, Greedy(dir.File("served"), adapterPath: null), $"without it: base model's [{string.Join(", ", baseTokens)}]");
    }

    // A [r, in] and B [out, r] large enough to move the greedy tokens; PEFT initialises B to zero, a trained one is not.
    private static LoraFactors RandomFactors(Dictionary<string, TensorData> weights, string weight, bool outIn, int seed)
    {
        const int rank = 2;
        var dims = weights[weight].Dims;
        long inFeatures = outIn ? dims[1] : dims[0], outFeatures = outIn ? dims[0] : dims[1];
        var rng = new Random(seed);
        float[] Draw(long n) => Enumerable.Range(0, (int)n).Select(_ => (float)(2 * rng.NextDouble() - 1)).ToArray();
        return new LoraFactors(weight, TensorData.FromFloats([rank, inFeatures], Draw(rank * inFeatures)),
            TensorData.FromFloats([outFeatures, rank], Draw(outFeatures * rank)), Scaling: 1.5);
    }

    // W + scaling·B·A, in float64, laid out as the base weight is ([out, in], or [in, out] for Conv1D).
    private static Dictionary<string, TensorData> Merged(Dictionary<string, TensorData> weights, IEnumerable<LoraFactors> factors, bool outIn)
    {
        var merged = new Dictionary<string, TensorData>(weights);
        foreach (var f in factors)
        {
            var w = weights[f.Weight].ToFloats();
            var a = f.A.ToFloats();
            var b = f.B.ToFloats();
            long rank = f.Rank, n = f.InFeatures, m = f.OutFeatures;
            for (long o = 0; o < m; o++)
                for (long i = 0; i < n; i++)
                {
                    double delta = 0;
                    for (long k = 0; k < rank; k++) delta += b[o * rank + k] * (double)a[k * n + i];
                    w[outIn ? o * n + i : i * m + o] += (float)(f.Scaling * delta);
                }
            merged[f.Weight] = TensorData.FromFloats(weights[f.Weight].Dims, w);
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
