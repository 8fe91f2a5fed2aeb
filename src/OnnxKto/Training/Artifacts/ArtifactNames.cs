using OnnxKto.Autodiff;

namespace OnnxKto.Training.Artifacts;

/// <summary>File and tensor names shared by the artifact generator and the runtime.</summary>
public static class ArtifactNames
{
    /// <summary>The training graph: loss, metrics and accumulated gradients.</summary>
    public const string TrainingModel = "training_model.onnx";
    /// <summary>The eval graph: the training graph's loss and metrics, without gradients.</summary>
    public const string EvalModel = "eval_model.onnx";
    /// <summary>The reference graph: the frozen model's log-probs of target and KL sequences.</summary>
    public const string ReferenceModel = "reference_model.onnx";
    /// <summary>The gradient norm graph: the global L2 norm of every trainable parameter's gradient, run before each update.</summary>
    public const string GradientNormModel = "gradient_norm_model.onnx";
    /// <summary>The optimizer graph: the update of one flat chunk of a parameter and its state (ORT's file name).</summary>
    public const string OptimizerModel = "optimizer_model.onnx";
    /// <summary>Every weight, the optimizer state and the update count, as safetensors (<see cref="TrainingCheckpoint"/>).</summary>
    public const string Checkpoint = "checkpoint.safetensors";
    /// <summary>The <see cref="ArtifactManifest"/>.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>Input: target sequences' token ids (int64, [batch, seq]).</summary>
    public const string InputIds = "input_ids";
    /// <summary>Input: target sequences' attention mask (int64, [batch, seq]), 1 for real tokens.</summary>
    public const string AttentionMask = "attention_mask";
    /// <summary>Input: 1 on the target sequences' completion tokens, which alone are scored.</summary>
    public const string CompletionMask = "completion_mask";
    /// <summary>Input: KL sequences' token ids (prompts paired with mismatched completions), for losses with a KL term.</summary>
    public const string KlInputIds = "kl_input_ids";
    /// <summary>Input: KL sequences' attention mask.</summary>
    public const string KlAttentionMask = "kl_attention_mask";
    /// <summary>Input: 1 on the KL sequences' completion tokens.</summary>
    public const string KlCompletionMask = "kl_completion_mask";
    /// <summary>Input: each example's label (bool, [batch]), true for desirable.</summary>
    public const string Label = "label";
    /// <summary>Input of the training and eval graphs, output of the reference graph: target sequences' reference log-probs ([batch]).</summary>
    public const string ReferenceLogps = "reference_logps";
    /// <summary>Input of the training and eval graphs, output of the reference graph: KL sequences' reference log-probs ([batch]).</summary>
    public const string ReferenceKlLogps = "reference_kl_logps";
    /// <summary>Input of the training and eval graphs for kl_estimate step or running: the KL reference point z0 (scalar).</summary>
    public const string KlReferencePoint = "kl_reference_point";
    /// <summary>Input of the training and eval graphs when a label weight is auto: λ_D (scalar), set from the data's label counts.</summary>
    public const string DesirableWeight = "desirable_weight";
    /// <summary>Input of the training and eval graphs when a label weight is auto: λ_U (scalar).</summary>
    public const string UndesirableWeight = "undesirable_weight";
    /// <summary>Input of the bco graphs: the running mean of the rewards seen before this micro-batch (scalar).</summary>
    public const string RewardMean = "reward_mean";
    /// <summary>Input of the bco training graph: how many rewards the running mean has seen (scalar).</summary>
    public const string RewardCount = "reward_count";
    /// <summary>Input of the training graph: the loss multiplier, 1/accumulation steps as Hugging Face divides it.</summary>
    public const string LossScale = "loss_scale";
    /// <summary>Training graph input with fp16 only: 1/S for the dynamic loss scale S, multiplied into each step's gradient.</summary>
    public const string GradientUnscale = "gradient_unscale";

    /// <summary>Output: the loss (scalar).</summary>
    public const string Loss = "loss";
    /// <summary>Output: target sequences' log-probs under the policy ([batch]).</summary>
    public const string PolicyLogps = "policy_logps";
    /// <summary>Output: KL sequences' log-probs under the policy ([batch]).</summary>
    public const string PolicyKlLogps = "policy_kl_logps";
    /// <summary>Output: β·(log πθ − log πref) per example ([batch]), for the rewards/* metrics.</summary>
    public const string Rewards = "rewards";
    /// <summary>Output: the KL reference point z0 (scalar).</summary>
    public const string Kl = "kl";
    /// <summary>Output of the bco graphs: the reward shift δ the loss used (scalar).</summary>
    public const string Delta = "delta";
    /// <summary>Output: per sequence, the sum over completion tokens of the mean logit ([batch]), for the logits/* metrics.</summary>
    public const string LogitsSum = "logits_sum";
    /// <summary>Output: completion tokens scored per sequence ([batch]).</summary>
    public const string CompletionTokens = "completion_tokens";

    /// <summary>Gradient accumulated so far, fed to the training graph, which outputs it plus this step's gradient.</summary>
    public static string AccumulationBuffer(string parameter) => GradientNames.Of(parameter) + ".accumulation.buffer";
}
