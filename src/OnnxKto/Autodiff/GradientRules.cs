using OnnxKto.Autodiff.Rules;

namespace OnnxKto.Autodiff;

/// <summary>The gradient rule of every differentiable operator, by ONNX operator name (alphabetical).</summary>
internal static class GradientRules
{
    public static IReadOnlyDictionary<string, GradientRule> ByOp { get; } = new SortedDictionary<string, GradientRule>(StringComparer.Ordinal)
    {
        ["Add"] = ArithmeticRules.Add,
        ["Cast"] = ShapeRules.Cast,
        ["Clip"] = SelectionRules.Clip,
        ["Concat"] = ConcatSplitSliceRules.Concat,
        ["Div"] = ArithmeticRules.Div,
        ["Erf"] = UnaryMathRules.Erf,
        ["Exp"] = UnaryMathRules.Exp,
        ["Expand"] = ShapeRules.Expand,
        ["Flatten"] = ShapeRules.ReshapeBack,
        ["Gather"] = GatherRules.Gather,
        ["GatherElements"] = GatherRules.GatherElements,
        ["Gemm"] = MatMulRules.Gemm,
        ["Identity"] = ShapeRules.Identity,
        ["LayerNormalization"] = LayerNormalizationRule.LayerNormalization,
        ["Log"] = UnaryMathRules.Log,
        ["LogSoftmax"] = SoftmaxRules.LogSoftmax,
        ["MatMul"] = MatMulRules.MatMul,
        ["Max"] = SelectionRules.MaxOrMin,
        ["Min"] = SelectionRules.MaxOrMin,
        ["Mul"] = ArithmeticRules.Mul,
        ["Neg"] = ArithmeticRules.Neg,
        ["Pow"] = ArithmeticRules.Pow,
        ["Reciprocal"] = UnaryMathRules.Reciprocal,
        ["ReduceLogSumExp"] = ReductionRules.ReduceLogSumExp,
        ["ReduceMax"] = ReductionRules.ReduceMax,
        ["ReduceMean"] = ReductionRules.ReduceMean,
        ["ReduceSum"] = ReductionRules.ReduceSum,
        ["Relu"] = UnaryMathRules.Relu,
        ["ScatterND"] = GatherRules.ScatterND,
        ["Reshape"] = ShapeRules.ReshapeBack,
        ["Sigmoid"] = UnaryMathRules.Sigmoid,
        ["Slice"] = ConcatSplitSliceRules.Slice,
        ["Softmax"] = SoftmaxRules.Softmax,
        ["Split"] = ConcatSplitSliceRules.Split,
        ["Sqrt"] = UnaryMathRules.Sqrt,
        ["Squeeze"] = ShapeRules.ReshapeBack,
        ["Sub"] = ArithmeticRules.Sub,
        ["Sum"] = ArithmeticRules.Sum,
        ["Tanh"] = UnaryMathRules.Tanh,
        ["Transpose"] = ShapeRules.Transpose,
        ["Unsqueeze"] = ShapeRules.ReshapeBack,
        ["Where"] = SelectionRules.Where,
    };
}
