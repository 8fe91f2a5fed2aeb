using OnnxKto.Graphs;
using OnnxKto.Runtime;

namespace OnnxKto.Tests.Graphs;

[TestClass]
public sealed class MixedPrecisionPassTests
{
    private const int M = 3, K = 37, N = 4;

    /// <summary>
    /// The rewired products compute what the originals do, to float16 rounding, checked on ONNX Runtime's CPU provider
    /// against an independent C# computation: operands rounded to float16 (Half), multiplied and summed exactly, the
    /// tolerance the textbook bound for a float16 sum of K terms in any order, (K + 1)·u·Σ|âb̂| with u = 2⁻¹¹; the Gemm
    /// equals the product plus β·bias added in float32. On x86 the CPU provider has no float16 MatMul of its own: it
    /// inserts casts to float32 around the node and drops the resulting cast pairs, so here the products come out as
    /// float32 ones (within the bound); the rounding itself shows on CUDA (tools/gpu/device-check.sh, bf16 row).
    /// </summary>
    [TestMethod]
    public void Float16ProductsMatchTheRoundedOperandsProductWithinHalfPrecisionBoundsAndAddTheBiasInFloat32()
    {
        var g = new Graph("products");
        var b = new GraphBuilder(g);
        var x = g.AddInput("x", DataType.Float, new Shape(M, K));
        var w = g.AddInput("w", DataType.Float, new Shape(K, N));
        var bias = g.AddInput("bias", DataType.Float, new Shape(N));
        b.Output(b.MatMul(x, w), "matmul");
        b.Output(b.Op("Gemm", [x, w, bias], ("beta", 0.5f)), "gemm");
        var rng = new Random(3);
        float[] Random(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var (xs, ws, bs) = (Random(M * K), Random(K * N), Random(N));
        var feeds = new Dictionary<string, TensorData>
        {
            ["x"] = TensorData.FromFloats([M, K], xs), ["w"] = TensorData.FromFloats([K, N], ws), ["bias"] = TensorData.FromFloats([N], bs),
        };

        var mixed = MixedPrecisionPass.Apply(g, DataType.Float16);
        using var session = new OnnxSession(mixed, optimize: false);
        var outputs = session.Run(feeds);

        var (matmul, gemm) = (outputs["matmul"].ToFloats(), outputs["gemm"].ToFloats());
        double u = Math.Pow(2, -11);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++)
            {
                var terms = Enumerable.Range(0, K).Select(k => (double)(Half)xs[i * K + k] * (double)(Half)ws[k * N + j]).ToArray();
                double exact = terms.Sum(), bound = (K + 1) * u * terms.Sum(Math.Abs);
                Assert.AreEqual(exact, matmul[i * N + j], bound, $"matmul[{i},{j}]");
                Assert.AreEqual(matmul[i * N + j] + 0.5f * bs[j], gemm[i * N + j], 1e-6f, $"gemm[{i},{j}]: the float16 product plus β·bias in float32");
            }
        Assert.AreEqual(DataType.Float, mixed["matmul"].Type, "outputs stay float32 under their names");
    }

    /// <summary>The structure for bfloat16 (no CPU kernels to run it): what is converted, what is copied, what keeps its name.</summary>
    [TestMethod]
    public void OnlyMatrixProductsMoveToTheLowTypeAndEveryValueKeepsItsName()
    {
        var g = new Graph("attention");
        var b = new GraphBuilder(g);
        var q = g.AddInput("q", DataType.Float, new Shape(2, 3, 4));
        var k = g.AddInput("k", DataType.Float, new Shape(2, 3, 4));
        var v = g.AddInput("v", DataType.Float, new Shape(4));
        var scores = b.MatMul(q, b.Transpose(k, 0, 2, 1));                                  // (2, 3, 3)
        var weights = b.Op("Softmax", [scores], ("axis", -1L));
        b.Output(b.MatMul(weights, q), "mixed");
        b.Output(b.MatMul(q, v), "vector");                                                  // a 1-D operand stays float32
        var detached = b.Detach(weights);

        var mixed = MixedPrecisionPass.Apply(g, DataType.BFloat16);

        var products = mixed.Nodes.Where(n => n.OpType == "MatMul").ToList();
        Assert.AreEqual(2, products.Count(n => n.Inputs.All(i => i!.Type == DataType.BFloat16) && n.Outputs[0].Type == DataType.BFloat16));
        Assert.AreEqual(1, products.Count(n => n.Inputs.All(i => i!.Type == DataType.Float)), "the matrix-vector product is copied");
        Assert.AreEqual(DataType.Float, mixed.Nodes.Single(n => n.OpType == "Softmax").Inputs[0]!.Type, "softmax reads float32 scores");
        Assert.IsTrue(mixed.Nodes.Where(n => n.OpType == "Cast" && n.Outputs[0].Type == DataType.BFloat16).All(n => n.Outputs[0].Uses.Count == 1),
            "one use per cast to the low type");
        foreach (var value in g.Values.Values)
        {
            Assert.AreEqual(value.Type, mixed[value.Name].Type, $"'{value.Name}' keeps its type");
            Assert.AreEqual(value.Shape?.ToString(), mixed[value.Name].Shape?.ToString(), $"'{value.Name}' keeps its shape");
        }
        CollectionAssert.AreEqual(g.Outputs.Select(o => o.Name).ToList(), mixed.Outputs.Select(o => o.Name).ToList());
        Assert.IsTrue(mixed.Detached.Single().Name == detached.Name, "detached values stay detached");
        Assert.AreEqual(g.Nodes.Count + 3 * 2, mixed.Nodes.Count, "each converted product gains two input casts and one cast back");
    }

    [TestMethod]
    public void OnlySixteenBitFloatTypesAreLowPrecision() =>
        Assert.ThrowsExactly<ArgumentException>(() => MixedPrecisionPass.Apply(new Graph(), DataType.Double));
}
