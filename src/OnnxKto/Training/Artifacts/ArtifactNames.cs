using OnnxKto.Autodiff;

namespace OnnxKto.Training.Artifacts;

/// <summary>File and tensor names shared by the artifact generator and the runtime.</summary>
public static class ArtifactNames
{
    public const string TrainingModel = "training_model.onnx";
    public const string EvalModel = "eval_model.onnx";
    public const string ReferenceModel = "reference_model.onnx";
    public const string OptimizerModel = "optimizer_model.onnx";
    public const string Checkpoint = "checkpoint.safetensors";
    public const string Manifest = "manifest.json";

    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string CompletionMask = "completion_mask";
    public const string KlInputIds = "kl_input_ids";
    public const string KlAttentionMask = "kl_attention_mask";
    public const string KlCompletionMask = "kl_completion_mask";
    public const string Label = "label";
    public const string ReferenceLogps = "reference_logps";
    public const string ReferenceKlLogps = "reference_kl_logps";
    public const string LossScale = "loss_scale";

    public const string Loss = "loss";
    public const string PolicyLogps = "policy_logps";
    public const string PolicyKlLogps = "policy_kl_logps";
    public const string Rewards = "rewards";
    public const string Kl = "kl";
    public const string LogitsSum = "logits_sum";
    public const string CompletionTokens = "completion_tokens";

    /// <summary>Gradient accumulated so far, fed to the training graph, which outputs it plus this step's gradient.</summary>
    public static string AccumulationBuffer(string parameter) => GradientNames.Of(parameter) + ".accumulation.buffer";
}
