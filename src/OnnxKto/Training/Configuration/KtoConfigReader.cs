using System.Globalization;
using OnnxKto.Training.Losses;
using OnnxKto.Training.Optimizers;
using YamlDotNet.RepresentationModel;

namespace OnnxKto.Training.Configuration;

/// <summary>
/// Reads <c>kto.yaml</c> (JSON is valid YAML) into a <see cref="KtoConfig"/>. An unknown key is an error that
/// suggests the nearest valid one; a value of the wrong type names the key and the expected type. Keys that
/// TRL/HF configs carry but that do not apply here (output_dir, bf16, report_to, ...) are reported as ignored.
/// </summary>
public static class KtoConfigReader
{
    private delegate KtoConfig Setter(KtoConfig c, YamlNode v, string key, string source);

    private static readonly Dictionary<string, Setter> Keys = new(StringComparer.Ordinal)
    {
        ["beta"] = (c, v, k, s) => c with { Beta = Double(v, k, s) },
        ["desirable_weight"] = (c, v, k, s) => c with { DesirableWeight = Positive(Double(v, k, s), k, s) },
        ["undesirable_weight"] = (c, v, k, s) => c with { UndesirableWeight = Positive(Double(v, k, s), k, s) },
        ["loss_type"] = (c, v, k, s) => c with { LossType = Choice(v, k, s, ("kto", LossType.Kto), ("apo_zero_unpaired", LossType.ApoZeroUnpaired), ("sft", LossType.Sft)) },
        ["learning_rate"] = (c, v, k, s) => c with { LearningRate = Double(v, k, s) },
        ["per_device_train_batch_size"] = (c, v, k, s) => c with { PerDeviceTrainBatchSize = (int)Positive(Int(v, k, s), k, s) },
        ["gradient_accumulation_steps"] = (c, v, k, s) => c with { GradientAccumulationSteps = (int)Positive(Int(v, k, s), k, s) },
        ["num_train_epochs"] = (c, v, k, s) => c with { NumTrainEpochs = Double(v, k, s) },
        ["max_steps"] = (c, v, k, s) => c with { MaxSteps = Int(v, k, s) },
        ["max_length"] = (c, v, k, s) => c with { MaxLength = (int)Positive(Int(v, k, s), k, s) },
        ["max_prompt_length"] = (c, v, k, s) => c with { MaxPromptLength = IsNull(v) ? null : (int)Positive(Int(v, k, s), k, s) },
        ["warmup_ratio"] = (c, v, k, s) => c with { WarmupRatio = Double(v, k, s) },
        ["warmup_steps"] = (c, v, k, s) => c with { WarmupSteps = Int(v, k, s) },
        ["lr_scheduler_type"] = (c, v, k, s) => c with { LrSchedulerType = Choice(v, k, s, ("constant", "constant"), ("constant_with_warmup", "constant_with_warmup"), ("linear", "linear"), ("cosine", "cosine")) },
        ["weight_decay"] = (c, v, k, s) => c with { WeightDecay = Double(v, k, s) },
        ["adam_beta1"] = (c, v, k, s) => c with { AdamBeta1 = Double(v, k, s) },
        ["adam_beta2"] = (c, v, k, s) => c with { AdamBeta2 = Double(v, k, s) },
        ["adam_epsilon"] = (c, v, k, s) => c with { AdamEpsilon = Double(v, k, s) },
        ["max_grad_norm"] = (c, v, k, s) => c with { MaxGradNorm = IsNull(v) ? 0 : Double(v, k, s) },
        ["optim"] = (c, v, k, s) => c with { Optim = Choice(v, k, s, ("adamw_torch", OptimizerKind.AdamW), ("adamw_torch_fused", OptimizerKind.AdamW), ("adamw_hf", OptimizerKind.AdamW), ("sgd", OptimizerKind.Sgd)) },
        ["optim_args"] = (c, v, k, s) => c with { SgdMomentum = Momentum(v, k, s) },
        ["seed"] = (c, v, k, s) => c with { Seed = Int(v, k, s) },
        ["train_sampling_strategy"] = (c, v, k, s) => c with { TrainSamplingStrategy = Choice(v, k, s, ("random", "random"), ("sequential", "sequential")) },
        ["precompute_ref_log_probs"] = (c, v, k, s) => c with { PrecomputeRefLogProbs = Bool(v, k, s) },
        ["logging_steps"] = (c, v, k, s) => c with { LoggingSteps = (int)Positive(Int(v, k, s), k, s) },
        ["save_steps"] = (c, v, k, s) => c with { SaveSteps = (int)Positive(Int(v, k, s), k, s) },
        ["save_total_limit"] = (c, v, k, s) => c with { SaveTotalLimit = IsNull(v) ? null : (int)Positive(Int(v, k, s), k, s) },
        ["eval_steps"] = (c, v, k, s) => c with { EvalSteps = IsNull(v) ? null : (int)Positive(Int(v, k, s), k, s) },
        ["chat_template"] = (c, v, k, s) => c with { ChatTemplate = IsNull(v) ? null : String(v, k, s) },
        ["trainable"] = (c, v, k, s) => c with { Trainable = Patterns(v, k, s) },
        ["frozen"] = (c, v, k, s) => c with { Frozen = Patterns(v, k, s) },
    };

    /// <summary>Keys of TRL/HF configs that have no meaning here; accepted and reported, so pasted configs load.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "output_dir", "overwrite_output_dir", "report_to", "run_name", "logging_dir", "logging_strategy", "save_strategy",
        "eval_strategy", "evaluation_strategy", "bf16", "fp16", "tf32", "gradient_checkpointing", "gradient_checkpointing_kwargs",
        "push_to_hub", "hub_model_id", "remove_unused_columns", "dataloader_num_workers", "dataset_num_proc",
        "per_device_eval_batch_size", "ddp_find_unused_parameters", "disable_dropout", "model_init_kwargs",
        "ref_model_init_kwargs", "max_completion_length", "truncation_mode", "padding_value", "label_pad_token_id",
        "generate_during_eval", "is_encoder_decoder", "precompute_ref_batch_size", "use_liger_loss", "use_liger_kernel",
        "do_train", "do_eval", "log_level", "logging_first_step", "save_only_model", "save_safetensors",
    };

    /// <summary>The configuration in <paramref name="path"/>, plus notes on ignored keys.</summary>
    /// <exception cref="InvalidDataException">Unknown key (with a suggestion), wrong type, or malformed YAML.</exception>
    public static (KtoConfig Config, IReadOnlyList<string> Notes) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses YAML or JSON text; <paramref name="source"/> names it in errors.</summary>
    public static (KtoConfig Config, IReadOnlyList<string> Notes) Parse(string text, string source)
    {
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InvalidDataException($"{source}: not valid YAML at line {e.Start.Line}: {e.Message}", e);
        }
        var config = new KtoConfig();
        var notes = new List<string>();
        if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
            return (config, notes);
        if (yaml.Documents[0].RootNode is not YamlMappingNode map)
            throw new InvalidDataException($"{source}: expected a mapping of keys to values (e.g. 'beta: 0.1').");
        foreach (var (keyNode, value) in map.Children)
        {
            var key = ((YamlScalarNode)keyNode).Value ?? "";
            if (Keys.TryGetValue(key, out var set)) config = set(config, value, key, source);
            else if (Ignored.Contains(key)) notes.Add($"{source}: '{key}' does not apply to OnnxKto and is ignored.");
            else
                throw new InvalidDataException(
                    $"{source}: unknown key '{key}' (line {keyNode.Start.Line}). Did you mean '{Nearest(key)}'? Valid keys: {string.Join(", ", Keys.Keys)}.");
        }
        return (config, notes);
    }

    /// <summary>
    /// The configuration as <c>kto.yaml</c> text with TRL's key names, such that <see cref="Parse"/> gives it back.
    /// </summary>
    public static string ToYaml(KtoConfig c)
    {
        static string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        static string List(IReadOnlyList<string> items) => "[" + string.Join(", ", items.Select(i => "'" + i.Replace("'", "''") + "'")) + "]";
        var lines = new List<string>
        {
            $"beta: {N(c.Beta)}", $"desirable_weight: {N(c.DesirableWeight)}", $"undesirable_weight: {N(c.UndesirableWeight)}",
            $"loss_type: {c.LossType.ToConfigName()}", $"learning_rate: {N(c.LearningRate)}",
            $"per_device_train_batch_size: {c.PerDeviceTrainBatchSize}", $"gradient_accumulation_steps: {c.GradientAccumulationSteps}",
            $"num_train_epochs: {N(c.NumTrainEpochs)}", $"max_steps: {c.MaxSteps}", $"max_length: {c.MaxLength}",
            $"max_prompt_length: {c.MaxPromptLength?.ToString(CultureInfo.InvariantCulture) ?? "null"}",
            $"warmup_ratio: {N(c.WarmupRatio)}", $"warmup_steps: {c.WarmupSteps}", $"lr_scheduler_type: {c.LrSchedulerType}",
            $"weight_decay: {N(c.WeightDecay)}", $"adam_beta1: {N(c.AdamBeta1)}", $"adam_beta2: {N(c.AdamBeta2)}",
            $"adam_epsilon: {N(c.AdamEpsilon)}", $"max_grad_norm: {N(c.MaxGradNorm)}",
            $"optim: {(c.Optim == OptimizerKind.Sgd ? "sgd" : "adamw_torch")}", $"optim_args: \"momentum={N(c.SgdMomentum)}\"",
            $"seed: {c.Seed}", $"train_sampling_strategy: {c.TrainSamplingStrategy}",
            $"precompute_ref_log_probs: {(c.PrecomputeRefLogProbs ? "true" : "false")}", $"logging_steps: {c.LoggingSteps}",
            $"save_steps: {c.SaveSteps}", $"save_total_limit: {c.SaveTotalLimit?.ToString(CultureInfo.InvariantCulture) ?? "null"}",
            $"eval_steps: {c.EvalSteps?.ToString(CultureInfo.InvariantCulture) ?? "null"}",
            $"chat_template: {c.ChatTemplate ?? "null"}", $"trainable: {List(c.Trainable)}", $"frozen: {List(c.Frozen)}",
        };
        return string.Join("\n", lines) + "\n";
    }

    /// <summary>The valid key closest to <paramref name="key"/> by edit distance.</summary>
    public static string Nearest(string key) => Keys.Keys.MinBy(k => EditDistance(key, k))!;

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

    private static bool IsNull(YamlNode v) => v is YamlScalarNode { Value: null or "null" or "~" or "" };

    private static string Scalar(YamlNode v, string key, string source, string expected) =>
        v is YamlScalarNode { Value: { } s } ? s : throw TypeError(v, key, source, expected);

    private static InvalidDataException TypeError(YamlNode v, string key, string source, string expected) =>
        new($"{source}: '{key}' (line {v.Start.Line}) must be {expected}, got '{(v is YamlScalarNode sc ? sc.Value : v.NodeType.ToString())}'.");

    private static double Double(YamlNode v, string key, string source) =>
        double.TryParse(Scalar(v, key, source, "a number"), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            ? d : throw TypeError(v, key, source, "a number");

    private static int Int(YamlNode v, string key, string source) =>
        int.TryParse(Scalar(v, key, source, "an integer"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var i)
            ? i : throw TypeError(v, key, source, "an integer");

    private static bool Bool(YamlNode v, string key, string source) => Scalar(v, key, source, "true or false").ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => throw TypeError(v, key, source, "true or false"),
    };

    private static string String(YamlNode v, string key, string source) => Scalar(v, key, source, "a string");

    private static T Positive<T>(T value, string key, string source) where T : IComparable<T> =>
        value.CompareTo(default!) > 0 ? value : throw new InvalidDataException($"{source}: '{key}' must be positive, got {value}.");

    private static T Choice<T>(YamlNode v, string key, string source, params (string Name, T Value)[] options)
    {
        var s = String(v, key, source);
        foreach (var (name, value) in options) if (name == s) return value;
        throw TypeError(v, key, source, "one of " + string.Join(", ", options.Select(o => o.Name)));
    }

    private static IReadOnlyList<string> Patterns(YamlNode v, string key, string source)
    {
        var list = v is YamlSequenceNode seq ? seq.Children.Select(c => String(c, key, source)).ToList() : [String(v, key, source)];
        foreach (var pattern in list)
            try { _ = new System.Text.RegularExpressions.Regex(pattern); }
            catch (ArgumentException e) { throw new InvalidDataException($"{source}: '{key}' pattern '{pattern}' is not a valid regular expression: {e.Message}"); }
        return list;
    }

    private static double Momentum(YamlNode v, string key, string source)
    {
        if (IsNull(v)) return 0;
        foreach (var part in String(v, key, source).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (kv.Length == 2 && kv[0] == "momentum" && double.TryParse(kv[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) return m;
            throw new InvalidDataException($"{source}: '{key}' supports only 'momentum=<number>', got '{part}'.");
        }
        return 0;
    }
}
