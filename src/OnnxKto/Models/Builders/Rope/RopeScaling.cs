using System.Text.Json.Serialization;
using OnnxKto.Graphs;

namespace OnnxKto.Models.Builders.Rope;

/// <summary>
/// A rotary-embedding scaling (config.json's <c>rope_scaling</c> / <c>rope_parameters</c>, <c>rope_type</c> other than
/// <c>default</c>), as transformers' <c>modeling_rope_utils.py</c> computes it: the inverse frequencies and the
/// attention factor that multiplies cos and sin. One subclass per <c>rope_type</c>; <c>Checkpoints/HfRopeScaling</c>
/// reads and writes their keys. A type whose frequencies depend on the sequence overrides <see cref="Angles"/>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(LinearRopeScaling), "linear")]
[JsonDerivedType(typeof(Llama3RopeScaling), "llama3")]
[JsonDerivedType(typeof(YarnRopeScaling), "yarn")]
[JsonDerivedType(typeof(LongRopeScaling), "longrope")]
public abstract record RopeScaling
{
    /// <summary>config.json's <c>rope_type</c>, e.g. <c>llama3</c>.</summary>
    [JsonIgnore]
    public abstract string RopeType { get; }

    /// <summary>
    /// The inverse frequencies (dim/2 of them) in double precision; <see cref="RotaryTables"/> rounds them to float32,
    /// where transformers keeps them.
    /// </summary>
    /// <param name="theta">The rotary base (<c>rope_theta</c>).</param>
    /// <param name="dim">The rotated width (head_dim, or its rotated part).</param>
    /// <param name="maxPositions">config.json's <c>max_position_embeddings</c>.</param>
    public abstract double[] InverseFrequencies(double theta, int dim, int maxPositions);

    /// <summary>The factor cos and sin are multiplied by (yarn's and longrope's attention factor); 1 for most types.</summary>
    /// <param name="maxPositions">config.json's <c>max_position_embeddings</c>.</param>
    public virtual double AttentionFactor(int maxPositions) => 1;

    /// <summary>
    /// position·inverse frequency in float32, (B, T, dim/2), from float32 positions (B, T, 1). The default multiplies
    /// by the constant <see cref="InverseFrequencies"/>; a type that switches tables with the sequence overrides it.
    /// </summary>
    public virtual Value Angles(GraphBuilder b, Value positions, double theta, int dim, int maxPositions) =>
        b.Mul(positions, b.Const(TensorData.FromFloats([dim / 2],
            InverseFrequencies(theta, dim, maxPositions).Select(f => (float)f).ToArray())));

    /// <summary>transformers' default inverse frequencies: θ^(−2i/dim), i = 0 .. dim/2 − 1.</summary>
    public static double[] DefaultInverseFrequencies(double theta, int dim) =>
        Enumerable.Range(0, dim / 2).Select(i => 1.0 / Math.Pow(theta, 2.0 * i / dim)).ToArray();
}
