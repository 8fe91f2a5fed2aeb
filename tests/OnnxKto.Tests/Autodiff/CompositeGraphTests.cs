using OnnxKto.Graphs;
using OnnxKto.Tests.TestUtil;

namespace OnnxKto.Tests.Autodiff;

/// <summary>Whole blocks of a transformer, differentiated end to end and checked against finite differences.</summary>
[TestClass]
public sealed class CompositeGraphTests
{
    [TestMethod]
    public void CausalSelfAttentionBlockMatchesFiniteDifferences()
    {
        const int B = 2, T = 4, E = 6, H = 2, D = 3;
        var t = new OpCase(seed: 11);
        var b = t.B;
        var x = t.Input("x", $"{B}x{T}x{E}", declared: new Shape("batch", "seq", E));
        var wq = t.Input("wq", $"{E}x{E}");
        var wk = t.Input("wk", $"{E}x{E}");
        var wv = t.Input("wv", $"{E}x{E}");
        var wo = t.Input("wo", $"{E}x{E}");
        var causal = t.Feed("causal", TensorData.FromBools([T, T],
            Enumerable.Range(0, T * T).Select(i => i % T <= i / T).ToArray()));

        // (B, T, E) → (B, H, T, D)
        Value Heads(Value w) => b.Transpose(b.Reshape(b.MatMul(x, w), 0, 0, H, D), 0, 2, 1, 3);
        var q = Heads(wq);
        var k = Heads(wk);
        var v = Heads(wv);
        var scores = b.Div(b.MatMul(q, b.Transpose(k, 0, 1, 3, 2)), b.Scalar(Math.Sqrt(D), DataType.Double)); // (B, H, T, T)
        var masked = b.Where(causal, scores, b.Scalar(-1e9, DataType.Double));
        var attention = b.Op("Softmax", [masked], ("axis", -1L));
        var mixed = b.Reshape(b.Transpose(b.MatMul(attention, v), 0, 2, 1, 3), 0, 0, E); // (B, T, E)
        t.Check(b.Add(x, b.MatMul(mixed, wo)));
    }

    [TestMethod]
    public void Gpt2MlpWithTanhGeluMatchesFiniteDifferences()
    {
        var t = new OpCase(seed: 12);
        var b = t.B;
        var x = t.Input("x", "2x3x4");
        var h = b.Add(b.MatMul(x, t.Input("w_fc", "4x8")), t.Input("b_fc", "8"));
        // gelu_new(h) = ½h(1 + tanh(√(2/π)(h + 0.044715h³)))
        var cubic = b.Mul(b.Op("Pow", [h, b.Scalar(3, DataType.Double)]), b.Scalar(0.044715, DataType.Double));
        var inner = b.Mul(b.Add(h, cubic), b.Scalar(Math.Sqrt(2 / Math.PI), DataType.Double));
        var gelu = b.Mul(b.Mul(h, b.Scalar(0.5, DataType.Double)), b.Add(b.Scalar(1, DataType.Double), b.Op("Tanh", [inner])));
        t.Check(b.Add(b.MatMul(gelu, t.Input("w_proj", "8x4")), t.Input("b_proj", "4")));
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void MaskedSequenceLogProbMatchesFiniteDifferences(bool viaLogSumExp)
    {
        const int B = 2, T = 5, V = 7;
        var t = new OpCase(seed: 13);
        var b = t.B;
        var logits = t.Input("logits", $"{B}x{T}x{V}", -3, 3, declared: new Shape("batch", "seq", V));
        var targets = t.Feed("targets", t.Random.Indices([B, T], V), new Shape("batch", "seq"));
        var mask = t.Feed("mask", TensorData.FromDoubles([B, T], [0, 1, 1, 1, 0, 0, 0, 1, 1, 1]), new Shape("batch", "seq"));

        var index = b.Unsqueeze(targets, -1);
        Value tokenLogp;
        if (viaLogSumExp)
        {
            // log p = logit[target] − logsumexp(logits): no full log-softmax tensor is materialised.
            var picked = b.Squeeze(b.Op("GatherElements", [logits, index], ("axis", -1L)), -1);
            var lse = b.Op("ReduceLogSumExp", [logits, b.Ints(-1)], ("keepdims", 0L));
            tokenLogp = b.Sub(picked, lse);
        }
        else
            tokenLogp = b.Squeeze(b.Op("GatherElements", [b.Op("LogSoftmax", [logits], ("axis", -1L)), index], ("axis", -1L)), -1);
        t.Check(b.ReduceSum(b.Mul(tokenLogp, mask), [1], keepDims: false)); // (B): summed completion log-probs
    }
}
