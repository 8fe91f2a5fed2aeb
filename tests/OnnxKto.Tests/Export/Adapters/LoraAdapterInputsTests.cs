using Microsoft.ML.OnnxRuntime;
using OnnxKto.Export.Adapters;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;
using OnnxKto.Models.Lora;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Export.Adapters;

/// <summary>The adapter-input pass and the <c>.onnx_adapter</c> file, run by ONNX Runtime itself (its LoRA API).</summary>
[TestClass]
public sealed class LoraAdapterInputsTests
{
    // z = 2·(x·Wᵀ) with x = [1, 2, 3] and W = [[1, 0, 0], [0, 1, 1]] (out 2, in 3): y = [1, 5], z = [2, 10].
    // LoRA r = 1, A = [[1, 1, 0]], B = [[1], [2]], scaling 0.5: ΔW = 0.5·B·A = [[0.5, 0.5, 0], [1, 1, 0]],
    // x·ΔWᵀ = [1.5, 3], so y = [2.5, 8] and z = [5, 16].
    private static readonly float[] X = [1, 2, 3], W = [1, 0, 0, 0, 1, 1];
    private static readonly LoraTarget Target = new(new LoraLayer("proj", InFeatures: 3, OutFeatures: 2, WeightIsOutIn: true, Scaling: 0.5),
        TensorData.FromFloats([1, 3], [1, 1, 0]), TensorData.FromFloats([2, 1], [1, 2]));

    [TestMethod]
    [DataRow(true, DisplayName = "Linear, W [out, in]")]
    [DataRow(false, DisplayName = "Conv1D, W [in, out]")]
    public void OrtRunsTheBaseWithoutAnAdapterAndTheAdaptedModelWithOne(bool outIn)
    {
        using var dir = new TempFolder();
        var modelPath = dir.File("model.onnx");
        OnnxModelFile.Save(LoraAdapterInputs.AddTo(TinyLinear(outIn), [Target.BaseWeight]), modelPath);
        var adapterPath = dir.File(OnnxAdapterFile.DefaultName);
        OnnxAdapterFile.Write(adapterPath, LoraAdapterInputs.Tensors([Target]));

        using var session = new InferenceSession(modelPath);
        CollectionAssert.AreEqual(new[] { 2f, 10f }, Run(session, null));
        using var adapter = OrtLoraAdapter.Create(adapterPath, null);
        CollectionAssert.AreEqual(new[] { 5f, 16f }, Run(session, adapter));
        CollectionAssert.AreEqual(new[] { 2f, 10f }, Run(session, null), "an adapter is active only in the run it was added to");
    }

    [TestMethod]
    public void AdapterInputsAreOptionalInputsWithRankZeroDefaultsNamedAfterTheWeight()
    {
        var graph = LoraAdapterInputs.AddTo(TinyLinear(outIn: true), [Target.BaseWeight]);
        var a = graph["proj.weight.lora_A"];
        var b = graph["proj.weight.lora_B"];
        CollectionAssert.Contains(graph.Inputs.ToList(), a);
        CollectionAssert.Contains(graph.Initializers.ToList(), a);
        Assert.AreEqual(new Shape(3, LoraAdapterInputs.RankDim), a.Shape);
        CollectionAssert.AreEqual(new long[] { 3, 0 }, a.Data!.Dims);
        Assert.AreEqual(new Shape(LoraAdapterInputs.RankDim, 2), b.Shape);
        CollectionAssert.AreEqual(new long[] { 0, 2 }, b.Data!.Dims);
        // Nodes stay topologically sorted: each reads only what earlier nodes (or sources) produced.
        var seen = graph.Inputs.Concat(graph.Initializers).ToHashSet();
        foreach (var node in graph.Nodes)
        {
            Assert.IsTrue(node.Inputs.All(i => i is null || seen.Contains(i)), $"{node} reads a value produced later");
            seen.UnionWith(node.Outputs);
        }
    }

    [TestMethod]
    public void TensorsAreTransposedWithTheScalingInB()
    {
        var tensors = LoraAdapterInputs.Tensors([Target]).ToDictionary(p => p.Key, p => p.Value);
        CollectionAssert.AreEqual(new long[] { 3, 1 }, tensors["proj.weight.lora_A"].Dims);
        CollectionAssert.AreEqual(new[] { 1f, 1f, 0f }, tensors["proj.weight.lora_A"].ToFloats());
        CollectionAssert.AreEqual(new long[] { 1, 2 }, tensors["proj.weight.lora_B"].Dims);
        CollectionAssert.AreEqual(new[] { 0.5f, 1f }, tensors["proj.weight.lora_B"].ToFloats());
    }

    [TestMethod]
    public void ATargetThatIsNoLinearWeightIsAUserError()
    {
        var graph = TinyLinear(outIn: true);
        var missing = Assert.ThrowsExactly<UserError>(() => LoraAdapterInputs.AddTo(graph, ["nope.weight"]));
        StringAssert.Contains(missing.Message, "'nope.weight'");
        var input = Assert.ThrowsExactly<UserError>(() => LoraAdapterInputs.AddTo(graph, ["x"]));
        StringAssert.Contains(input.Message, "'x");
    }

    [TestMethod]
    public void MatricesThatDoNotFitTheLayerAreAUserError()
    {
        // A [1, 2] has 2 input features; the layer has 3.
        var wrong = Target with { A = TensorData.FromFloats([1, 2], [1, 1]) };
        var error = Assert.ThrowsExactly<UserError>(() => LoraAdapterInputs.AddTo(TinyLinear(outIn: true), [wrong]));
        StringAssert.Contains(error.Message, "3 inputs and 2 outputs");
        var rankMismatch = Target with { B = TensorData.FromFloats([2, 2], [1, 2, 3, 4]) };
        Assert.ThrowsExactly<UserError>(() => LoraAdapterInputs.Tensors([rankMismatch]));
    }

    // x (n, 3) → Gemm with proj.weight (an initializer) → y (n, 2) → z = 2·y.
    private static Graph TinyLinear(bool outIn)
    {
        var graph = new Graph("tiny");
        var b = new GraphBuilder(graph);
        var x = graph.AddInput("x", DataType.Float, new Shape("n", 3));
        float[] stored = outIn ? W : [1, 0, 0, 1, 0, 1];  // Conv1D keeps Wᵀ
        var w = graph.AddInitializer("proj.weight", TensorData.FromFloats(outIn ? [2, 3] : [3, 2], stored));
        Value y;
        using (b.Scope("proj")) y = b.Op("Gemm", [x, w], ("transB", outIn ? 1L : 0L));
        b.Output(b.Mul(y, b.Scalar(2, DataType.Float)), "z");
        return graph;
    }

    private static float[] Run(InferenceSession session, OrtLoraAdapter? adapter)
    {
        using var options = new RunOptions();
        if (adapter is not null) options.AddActiveLoraAdapter(adapter);
        using var x = OrtValue.CreateTensorValueFromMemory(X.ToArray(), [1, 3]);
        using var outputs = session.Run(options, ["x"], [x], ["z"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
