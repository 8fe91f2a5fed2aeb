namespace OnnxKto.Graphs;

// Typed shorthands for the operators builders and gradient rules use most.
public sealed partial class GraphBuilder
{
    /// <summary><c>a + b</c>, broadcasting (ONNX <c>Add</c>).</summary>
    public Value Add(Value a, Value b) => Op("Add", [a, b]);
    /// <summary><c>a - b</c>, broadcasting (ONNX <c>Sub</c>).</summary>
    public Value Sub(Value a, Value b) => Op("Sub", [a, b]);
    /// <summary><c>a · b</c> elementwise, broadcasting (ONNX <c>Mul</c>).</summary>
    public Value Mul(Value a, Value b) => Op("Mul", [a, b]);
    /// <summary><c>a / b</c>, broadcasting (ONNX <c>Div</c>).</summary>
    public Value Div(Value a, Value b) => Op("Div", [a, b]);
    /// <summary><c>-x</c> (ONNX <c>Neg</c>).</summary>
    public Value Neg(Value x) => Op("Neg", [x]);
    /// <summary><c>eˣ</c> (ONNX <c>Exp</c>).</summary>
    public Value Exp(Value x) => Op("Exp", [x]);
    /// <summary>The natural log (ONNX <c>Log</c>).</summary>
    public Value Log(Value x) => Op("Log", [x]);
    /// <summary><c>√x</c> (ONNX <c>Sqrt</c>).</summary>
    public Value Sqrt(Value x) => Op("Sqrt", [x]);
    /// <summary><c>1 / (1 + e⁻ˣ)</c> (ONNX <c>Sigmoid</c>).</summary>
    public Value Sigmoid(Value x) => Op("Sigmoid", [x]);
    /// <summary>The matrix product over the last two axes, batched over the rest (ONNX <c>MatMul</c>).</summary>
    public Value MatMul(Value a, Value b) => Op("MatMul", [a, b]);
    /// <summary><paramref name="x"/> under a new name (ONNX <c>Identity</c>): what <see cref="Output"/> and <see cref="Detach"/> build on.</summary>
    public Value Identity(Value x) => Op("Identity", [x]);

    /// <summary>The value of <paramref name="x"/> with no gradient flowing back through it (torch's <c>detach</c>).</summary>
    public Value Detach(Value x)
    {
        var detached = Identity(x);
        Graph.MarkDetached(detached);
        return detached;
    }
    /// <summary><paramref name="x"/> where <paramref name="condition"/> holds, else <paramref name="y"/>, broadcasting (ONNX <c>Where</c>).</summary>
    public Value Where(Value condition, Value x, Value y) => Op("Where", [condition, x, y]);
    /// <summary><paramref name="x"/> as <paramref name="to"/>; <paramref name="x"/> itself when it already is, so no node is added.</summary>
    public Value Cast(Value x, DataType to) => x.Type == to ? x : Op("Cast", [x], ("to", (long)to));
    /// <summary>The runtime shape of <paramref name="x"/> as a 1-D int64 tensor (ONNX <c>Shape</c>).</summary>
    public Value ShapeOf(Value x) => Op("Shape", [x]);
    /// <summary><paramref name="x"/> with its axes permuted by <paramref name="perm"/> (ONNX <c>Transpose</c>).</summary>
    public Value Transpose(Value x, params long[] perm) => Op("Transpose", [x], ("perm", perm));
    /// <summary><paramref name="x"/> reshaped to the runtime <paramref name="shape"/>; 0 keeps a dim and -1 infers one (ONNX <c>Reshape</c>).</summary>
    public Value Reshape(Value x, Value shape) => Op("Reshape", [x, shape]);
    /// <summary><paramref name="x"/> reshaped to a constant <paramref name="shape"/>; 0 keeps a dim and -1 infers one.</summary>
    public Value Reshape(Value x, params long[] shape) => Reshape(x, Ints(shape));
    /// <summary><paramref name="x"/> with size-1 axes inserted at <paramref name="axes"/> (ONNX <c>Unsqueeze</c>).</summary>
    public Value Unsqueeze(Value x, params long[] axes) => Op("Unsqueeze", [x, Ints(axes)]);
    /// <summary><paramref name="x"/> with the size-1 <paramref name="axes"/> removed (ONNX <c>Squeeze</c>).</summary>
    public Value Squeeze(Value x, params long[] axes) => Op("Squeeze", [x, Ints(axes)]);
    /// <summary><paramref name="x"/> broadcast to <paramref name="shape"/> (ONNX <c>Expand</c>).</summary>
    public Value Expand(Value x, Value shape) => Op("Expand", [x, shape]);
    /// <summary><paramref name="xs"/> joined along <paramref name="axis"/> (ONNX <c>Concat</c>).</summary>
    public Value Concat(long axis, params Value[] xs) => Op("Concat", xs, ("axis", axis));
    /// <summary>The slices of <paramref name="data"/> at <paramref name="indices"/> along <paramref name="axis"/>: an embedding lookup (ONNX <c>Gather</c>).</summary>
    public Value Gather(Value data, Value indices, long axis = 0) => Op("Gather", [data, indices], ("axis", axis));

    /// <summary>The sum over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/> (ONNX <c>ReduceSum</c>).</summary>
    public Value ReduceSum(Value x, long[] axes, bool keepDims) =>
        Op("ReduceSum", [x, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    /// <summary>The mean over <paramref name="axes"/>, keeping them as size 1 when <paramref name="keepDims"/> (ONNX <c>ReduceMean</c>).</summary>
    public Value ReduceMean(Value x, long[] axes, bool keepDims) =>
        Op("ReduceMean", [x, Ints(axes)], ("keepdims", keepDims ? 1L : 0L));

    /// <summary>A tensor of <paramref name="value"/> with the shape and element type of <paramref name="like"/>.</summary>
    /// <remarks>A static shape becomes a constant, so the result does not depend on computing <paramref name="like"/>.</remarks>
    public Value Fill(Value like, double value) =>
        Op("ConstantOfShape", [like.Shape is { IsStatic: true } s ? Ints(s.ToLongs()) : ShapeOf(like)],
            ("value", TensorData.Scalar(like.Type, value, [1])));
}
