namespace OnnxKto.Autodiff;

/// <summary>
/// Emits, in standard ONNX operators, the gradients of one forward node's inputs from its output gradients.
/// Rules call <see cref="GradientContext.Grad"/> only for inputs where <see cref="GradientContext.Needs"/> is true.
/// </summary>
internal delegate void GradientRule(GradientContext c);
