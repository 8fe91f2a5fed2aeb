namespace OnnxKto.Autodiff;

/// <summary>
/// The one naming rule for gradients: the gradient of value <c>p</c> is called <c>p_grad</c>, as in ONNX Runtime's
/// training artifacts. <see cref="ReverseModeAutodiff.Gradients"/> names its outputs so; the optimizer graph and the
/// training session bind them by these names.
/// </summary>
internal static class GradientNames
{
    /// <summary>What a value's name gets to name its gradient.</summary>
    public const string Suffix = "_grad";

    /// <summary>The gradient name of <paramref name="name"/>, e.g. <c>model.norm.weight_grad</c>.</summary>
    public static string Of(string name) => name + Suffix;

    /// <summary>True when <paramref name="name"/> names a gradient.</summary>
    public static bool IsGradient(string name) => name.EndsWith(Suffix, StringComparison.Ordinal);
}
