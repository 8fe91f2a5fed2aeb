namespace OnnxKto.Graphs;

// Typed shorthands for the operators builders and gradient rules use most.
public sealed partial class GraphBuilder
{
    public Value Add(Value a, Value b) => Op("Add", [a, b]);
    public Value Sub(Value a, Value b) => Op("Sub", [a, b]);
    public Value Mul(Value a, Value b) => Op("Mul", [a, b]);
    public Value Div(Value a, Value b) => Op("Div", [a, b]);
    public Value Neg(Value x) => Op("Neg", [x]);
    public Value Exp(Value x) => Op("Exp", [x]);
    public Value Log(Value x) => Op("Log", [x]);
    public Value Sqrt(Value x) => Op("Sqrt", [x]);
    public Value Sigmoid(Value x) => Op("Sigmoid", [x]);
    public Value MatMul(Value a, Value b) => Op("MatMul", [a, b]);
    public Value Identity(Value x) => Op("Identity", [x]);

    /// <summary>The value of <paramref name="x"/> with no gradient flowing back through it (torch's <c>detach</c>).</summary>
    public Value Detach(Value x)
    {
        var detached = Identity(x);
        Graph.MarkDetached(detached);
        return detached;
    }
    public Value Where(Value condition, Value x, Value y) => Op("Where", [condition, x, y]);
    public Value Cast(Value x, DataType to) => x.Type == to ? x : Op("Cast", [x], ("to", (long)to));
    public Value ShapeOf(Value x) => Op("Shape", [x]);
    public Value Transpose(Value x, params long[] perm) => Op("Transpose", [x], ("perm", perm));
    public Value Reshape(Value x, Value shape) => Op("Reshape", [x, shape]);
    public Value Reshape(Value x, params long[] shape) => Reshape(x, Ints(shape));
    public Value Unsqueeze(Value x, params long[] axes) => Op("Unsqueeze", [x, Ints(axes)]);
    public Value Squeeze(Value x, params long[] axes) => Op("Squeeze", [x, Ints(axes)]);
    public Value Expand(Value x, Value shape) => Op("Expand", [x, shape]);
    public Value Concat(long axis, params Value[] xs) => Op("Concat", xs, ("axis", axis));
    public Value Gather(Value data, Value indices, long axis = 0) => Op("Gather", [data, indices], ("axis", axis));

    public Value ReduceSum(Value x, long[] axes, bool keepDims) =>
        Op("ReduceSum", [x, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    public Value ReduceMean(Value x, long[] axes, bool keepDims) =>
        Op("ReduceMean", [x, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    /// <summary>A tensor of <paramref name="value"/> with the shape and element type of <paramref name="like"/>.</summary>
    /// <remarks>A static shape becomes a constant, so the result does not depend on computing <paramref name="like"/>.</remarks>
    public Value Fill(Value like, double value) =>
        Op("ConstantOfShape", [like.Shape is { IsStatic: true } s ? Ints(s.ToLongs()) : ShapeOf(like)],
            ("value", TensorData.Scalar(like.Type, value, [1])));
}
