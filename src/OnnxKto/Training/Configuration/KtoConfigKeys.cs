using OnnxKto.Data;
using OnnxKto.Models.Lora;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Batching;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Loop;
using OnnxKto.Training.Optimizers;
using static OnnxKto.Training.Configuration.ConfigValue;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// Every key of <c>kto.yaml</c>, in one table that drives reading (<see cref="KtoConfigReader"/>, <c>--set</c>),
/// writing (<see cref="KtoConfigWriter"/>, the manifest), the unknown-key suggestion and the check that a config
/// matches its artifacts. Key names and defaults are TRL's (<c>KTOConfig</c>, <c>TrainingArguments</c>) unless noted.
/// </summary>
internal static class KtoConfigKeys
{
    private static readonly ConfigSection<LossSettings> Loss = new(nameof(KtoConfig.Loss), c => c.Loss, (c, s) => c with { Loss = s }, baked: true);
    private static readonly ConfigSection<OptimizerSettings> Optimizer = new(nameof(KtoConfig.Optimizer), c => c.Optimizer, (c, s) => c with { Optimizer = s }, baked: true);
    private static readonly ConfigSection<ParameterSelection> Parameters = new(nameof(KtoConfig.Parameters), c => c.Parameters, (c, s) => c with { Parameters = s }, baked: true);
    private static readonly ConfigSection<ScheduleSettings> Schedule = new(nameof(KtoConfig.Schedule), c => c.Schedule, (c, s) => c with { Schedule = s }, baked: false);
    private static readonly ConfigSection<DataOptions> Data = new(nameof(KtoConfig.Data), c => c.Data, (c, s) => c with { Data = s }, baked: false);
    private static readonly ConfigSection<LoopSettings> Loop = new(nameof(KtoConfig.Loop), c => c.Loop, (c, s) => c with { Loop = s }, baked: false);
    private static readonly ConfigSection<MemorySettings> Memory = new(nameof(KtoConfig.Memory), c => c.Memory, (c, s) => c with { Memory = s }, baked: true);
    private static readonly ConfigSection<PrecisionSettings> Precision = new(nameof(KtoConfig.Precision), c => c.Precision, (c, s) => c with { Precision = s }, baked: true);
    private static readonly ConfigSection<LoraSettings> Lora = new(nameof(KtoConfig.Lora), c => c.Lora, (c, s) => c with { Lora = s }, baked: true);

    /// <summary>The keys, in the order <c>kto.yaml</c> is written.</summary>
    public static IReadOnlyList<ConfigKey> All { get; } =
    [
        Loss.Key("loss_type", Choice<LossType>(LossTypeNames.ToConfigName), s => s.LossType, (s, v) => s with { LossType = v },
            "kto, apo_zero_unpaired (no KL term), sft (supervised stage), or the baselines dpo (paired data) and bco."),
        Loss.Key("beta", Number, s => s.Beta, (s, v) => s with { Beta = v }, "KL penalty strength β."),
        Loss.Key("desirable_weight", PositiveNumberOrAuto, s => s.DesirableWeight, (s, v) => s with { DesirableWeight = v },
            "λ_D, weight of desirable examples; auto (ours): λ_U·n_U/n_D, so λ_D·n_D/(λ_U·n_U) = 1 (paper eq. 8)."),
        Loss.Key("undesirable_weight", PositiveNumberOrAuto, s => s.UndesirableWeight, (s, v) => s with { UndesirableWeight = v },
            "λ_U, weight of undesirable examples; auto (ours): λ_D·n_D/n_U."),

        // Ours (issue 16): the KL reference point's estimate.
        Loss.Key("kl_estimate", Choice<KlEstimate>(KlEstimateNames.ToConfigName), s => s.KlEstimate, (s, v) => s with { KlEstimate = v },
            "Ours: batch (TRL's: pairs within a micro-batch), step (pairs across the update's micro-batches; allows batch 1) or running (EMA of step estimates)."),
        Loss.Key("kl_ema", UnitInterval, s => s.KlEma, (s, v) => s with { KlEma = v }, "Ours: decay of the running z0 average (kl_estimate: running)."),

        // The dpo baseline (TRL's DPOConfig).
        Loss.Key("label_smoothing", UnitInterval, s => s.LabelSmoothing, (s, v) => s with { LabelSmoothing = v },
            "dpo: ε of conservative DPO (the chance a preference label is flipped); 0 is plain DPO."),

        Optimizer.Key("optim", Choice<OptimizerKind>(OptimizerKindNames.ToConfigName, OptimizerKindNames.Aliases), s => s.Kind, (s, v) => s with { Kind = v },
            "adamw_torch (adamw_torch_fused and adamw_hf are the same here) or sgd."),
        Optimizer.Key("optim_args", OptimArgs, s => s.Momentum, (s, v) => s with { Momentum = v }, "\"momentum=0.9\" for sgd."),
        Optimizer.Key("adam_beta1", Number, s => s.Beta1, (s, v) => s with { Beta1 = v }, "AdamW β1."),
        Optimizer.Key("adam_beta2", Number, s => s.Beta2, (s, v) => s with { Beta2 = v }, "AdamW β2."),
        Optimizer.Key("adam_epsilon", Number, s => s.Epsilon, (s, v) => s with { Epsilon = v }, "AdamW ε."),
        Optimizer.Key("weight_decay", Number, s => s.WeightDecay, (s, v) => s with { WeightDecay = v }, "Decoupled weight decay (not applied to biases and norms)."),
        Optimizer.Key("max_grad_norm", Number.NullMeans(0), s => s.MaxGradNorm, (s, v) => s with { MaxGradNorm = v }, "Global-norm gradient clipping; 0 or null disables it."),

        Parameters.Key("trainable", Patterns, s => s.Trainable, (s, v) => s with { Trainable = v }, "Ours: regular expressions over parameter names that train; empty trains all."),
        Parameters.Key("frozen", Patterns, s => s.Frozen, (s, v) => s with { Frozen = v }, "Ours: regular expressions over parameter names kept fixed, e.g. wte|wpe."),

        Schedule.Key("learning_rate", Number, s => s.LearningRate, (s, v) => s with { LearningRate = v }, "Peak learning rate."),
        Schedule.Key("lr_scheduler_type", Choice<LearningRateSchedulerType>(LearningRateSchedulerTypeNames.ToConfigName), s => s.LrSchedulerType,
            (s, v) => s with { LrSchedulerType = v }, "constant, constant_with_warmup, linear or cosine."),
        Schedule.Key("warmup_ratio", Number, s => s.WarmupRatio, (s, v) => s with { WarmupRatio = v }, "Fraction of updates spent warming up."),
        Schedule.Key("warmup_steps", Integer, s => s.WarmupSteps, (s, v) => s with { WarmupSteps = v }, "Warm-up updates; overrides warmup_ratio when positive."),
        Schedule.Key("num_train_epochs", Number, s => s.NumTrainEpochs, (s, v) => s with { NumTrainEpochs = v }, "Passes over the data (fractional allowed)."),
        Schedule.Key("max_steps", Integer, s => s.MaxSteps, (s, v) => s with { MaxSteps = v }, "Optimizer updates; overrides num_train_epochs when positive."),
        Schedule.Key("per_device_train_batch_size", PositiveInteger, s => s.PerDeviceTrainBatchSize, (s, v) => s with { PerDeviceTrainBatchSize = v },
            "Examples per micro-batch (at least 2 for kto with kl_estimate batch)."),
        Schedule.Key("gradient_accumulation_steps", PositiveInteger, s => s.GradientAccumulationSteps, (s, v) => s with { GradientAccumulationSteps = v },
            "Micro-batches per optimizer update."),
        Schedule.Key("train_sampling_strategy", Choice<SamplingStrategy>(SamplingStrategyNames.ToConfigName), s => s.TrainSamplingStrategy,
            (s, v) => s with { TrainSamplingStrategy = v }, "random (one seeded shuffle per epoch; our default) or sequential (TRL's order)."),

        Data.Key("max_length", OptionalPositiveInteger, s => s.MaxLength, (s, v) => s with { MaxLength = v },
            "Prompt+completion tokens kept (the start); null: no limit."),
        Data.Key("max_prompt_length", OptionalPositiveInteger, s => s.MaxPromptLength, (s, v) => s with { MaxPromptLength = v },
            "Optional: long prompts keep their end first (classic TRL)."),
        Data.Key("chat_template", OptionalString, s => s.ChatTemplate, (s, v) => s with { ChatTemplate = v },
            "Ours: chatml, llama3, zephyr or mistral for conversational rows; null detects it from the model folder."),
        Data.Key("seed", Integer, s => s.Seed, (s, v) => s with { Seed = v }, "Data order, KL pairing and preset initialisation."),
        Data.Key("skip_invalid", Bool, s => s.SkipInvalid, (s, v) => s with { SkipInvalid = v }, "Ours: skip (and count) bad rows instead of stopping (also --skip-invalid)."),

        Loop.Key("logging_steps", PositiveInteger, s => s.LoggingSteps, (s, v) => s with { LoggingSteps = v }, "Log every N updates (our default 10)."),
        Loop.Key("save_steps", PositiveInteger, s => s.SaveSteps, (s, v) => s with { SaveSteps = v }, "Checkpoint every N updates (and at the end)."),
        Loop.Key("save_total_limit", OptionalPositiveInteger, s => s.SaveTotalLimit, (s, v) => s with { SaveTotalLimit = v },
            "Keep at most N checkpoints; null keeps all."),
        Loop.Key("eval_steps", OptionalPositiveInteger, s => s.EvalSteps, (s, v) => s with { EvalSteps = v }, "Evaluate every N updates when eval data is given."),
        Loop.Key("precompute_ref_log_probs", Bool, s => s.PrecomputeRefLogProbs, (s, v) => s with { PrecomputeRefLogProbs = v },
            "One cached reference pass before training (our default true)."),

        // Data parallelism (mpirun).
        Loop.Key("ddp_timeout", PositiveInteger, s => s.DdpTimeout, (s, v) => s with { DdpTimeout = v },
            "Seconds a collective waits for the slowest rank before the job stops naming it (HF's default 1800)."),

        Loop.Key("memory_arena", BoolOrAuto, s => s.MemoryArena, (s, v) => s with { MemoryArena = v },
            "Ours: ONNX Runtime's CPU memory arena (fast) or tensors returned to the system each step (lean); auto: on when the memory plan with it fits."),
        Memory.Key("gradient_checkpointing", Bool, s => s.GradientCheckpointing, (s, v) => s with { GradientCheckpointing = v },
            "Keep only each decoder layer's input and recompute the layer in the backward pass (our default false; TRL's KTOConfig: true)."),
        Memory.Key("head_chunk_rows", OptionalPositiveInteger, s => s.HeadChunkRows, (s, v) => s with { HeadChunkRows = v },
            "Ours: most rows (batch x max_length) the vocabulary head works on at once; recomputed in backward when in pieces or checkpointing; null: all at once."),

        Precision.Key("bf16", Bool, s => s.Bf16, (s, v) => s with { Bf16 = v },
            "Matrix products in bfloat16, weights, optimizer and loss in float32 (needs --device cuda)."),
        Precision.Key("fp16", Bool, s => s.Fp16, (s, v) => s with { Fp16 = v },
            "Matrix products in float16 with dynamic loss scaling (PyTorch GradScaler's schedule)."),
        // LoRA, as TRL's ModelConfig spells it.
        Lora.Key("use_peft", Bool, s => s.UsePeft, (s, v) => s with { UsePeft = v }, "Train LoRA adapters on a frozen base (the reference is the base with the adapter off)."),
        Lora.Key("lora_r", PositiveInteger, s => s.R, (s, v) => s with { R = v }, "LoRA rank r."),
        Lora.Key("lora_alpha", PositiveNumber, s => s.Alpha, (s, v) => s with { Alpha = v }, "LoRA α; adapters are scaled by α/r."),
        Lora.Key("lora_dropout", Number, s => s.Dropout, (s, v) => s with { Dropout = v }, "Only 0 is supported (TRL's default: 0.05)."),
        Lora.Key("lora_target_modules", Names, s => s.TargetModules, (s, v) => s with { TargetModules = v },
            "Modules that get adapters (q_proj, ..., down_proj; c_attn, c_proj, c_fc) or all-linear; empty: PEFT's default."),
        Lora.Key("lora_modules_to_save", Names, s => s.ModulesToSave, (s, v) => s with { ModulesToSave = v }, "Modules trained in full and saved with the adapter, e.g. lm_head."),
    ];

    /// <summary>Keys of TRL/HF configs that have no meaning here; accepted and reported, so pasted configs load.</summary>
    public static IReadOnlySet<string> Ignored { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "output_dir", "overwrite_output_dir", "report_to", "run_name", "logging_dir", "logging_strategy", "save_strategy",
        "eval_strategy", "evaluation_strategy", "tf32", "gradient_checkpointing_kwargs",
        "push_to_hub", "hub_model_id", "remove_unused_columns", "dataloader_num_workers", "dataset_num_proc",
        "per_device_eval_batch_size", "ddp_find_unused_parameters", "disable_dropout", "model_init_kwargs",
        "ref_model_init_kwargs", "max_completion_length", "truncation_mode", "padding_value", "label_pad_token_id",
        "generate_during_eval", "is_encoder_decoder", "precompute_ref_batch_size", "use_liger_loss", "use_liger_kernel",
        "do_train", "do_eval", "log_level", "logging_first_step", "save_only_model", "save_safetensors",
    };

    private static readonly Dictionary<string, ConfigKey> ByName = All.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>The key called <paramref name="name"/>, or null.</summary>
    public static ConfigKey? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The valid key closest to <paramref name="key"/> by edit distance.</summary>
    public static string Nearest(string key) => All.MinBy(k => EditDistance(key, k.Name))!.Name;

    /// <summary>
    /// The baked keys (<see cref="ConfigKey.Baked"/>: loss, optimizer, trainable/frozen) whose values differ, each as
    /// "key: config VALUE, artifacts VALUE".
    /// </summary>
    public static IReadOnlyList<string> BakedDifferences(KtoConfig config, KtoConfig artifacts) =>
        All.Where(k => k.Baked)
            .Select(k => (k.Name, Ours: Text(k.Write(config)), Theirs: Text(k.Write(artifacts))))
            .Where(d => d.Ours != d.Theirs)
            .Select(d => $"{d.Name}: config {d.Ours}, artifacts {d.Theirs}")
            .ToList();

    private static string Text(object? value) => value switch
    {
        null => "null",
        string[] list => "[" + string.Join(", ", list) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
