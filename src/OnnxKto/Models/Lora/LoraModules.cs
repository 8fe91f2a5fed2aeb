namespace OnnxKto.Models.Lora;

/// <summary>
/// Which modules of a model get adapters and which train in full, under PEFT's rules: a name selects every module
/// whose path equals it or ends with "." + it; <c>all-linear</c> is every linear layer but the output head; no names
/// means PEFT's default for the model type. Names that select nothing are refused, as PEFT refuses them.
/// </summary>
internal static class LoraModules
{
    // PEFT's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING for the model types OnnxKto builds; PEFT has no row
    // for smollm3 or olmo2 and asks for target_modules there.
    private static readonly Dictionary<string, string[]> PeftDefaults = new(StringComparer.Ordinal)
    {
        ["gpt2"] = ["c_attn"],
        ["llama"] = ["q_proj", "v_proj"],
        ["mistral"] = ["q_proj", "v_proj"],
        ["qwen2"] = ["q_proj", "v_proj"],
        ["qwen3"] = ["q_proj", "v_proj"],
    };

    /// <summary>PEFT's default <c>target_modules</c> for <paramref name="modelType"/>; null where PEFT has none.</summary>
    public static IReadOnlyList<string>? DefaultTargets(string modelType) => PeftDefaults.GetValueOrDefault(modelType);

    /// <summary>The target names <paramref name="settings"/> means for <paramref name="modelType"/>: its own, or PEFT's default.</summary>
    /// <exception cref="UserError">No names given and PEFT has no default for the model type.</exception>
    public static IReadOnlyList<string> Targets(LoraSettings settings, string modelType) =>
        settings.TargetModules.Count > 0 ? settings.TargetModules
        : DefaultTargets(modelType) ?? throw new UserError(
            $"lora_target_modules is empty and PEFT has no default target modules for model_type '{modelType}'.",
            "name them, e.g. lora_target_modules: [q_proj, v_proj], or all-linear.");

    /// <summary>Whether the linear module at <paramref name="module"/> gets an adapter.</summary>
    public static bool IsTarget(LoraSettings settings, string modelType, string module)
    {
        var targets = Targets(settings, modelType);
        return targets.Contains(LoraSettings.AllLinear) || targets.Any(t => LoraSettings.Matches(module, t));
    }

    /// <summary>Whether the parameter <paramref name="parameter"/> belongs to one of the modules to save.</summary>
    public static bool IsSaved(LoraSettings settings, string parameter) =>
        settings.ModulesToSave.Any(m => LoraSettings.Matches(ModuleOf(parameter), m));

    /// <summary>
    /// Refuses settings this model cannot take, naming the key and the valid values: a rank or α that is not positive,
    /// dropout, a target or saved module that selects nothing, or a module both adapted and saved.
    /// </summary>
    /// <param name="settings">The LoRA settings.</param>
    /// <param name="modelType">The model type (for PEFT's default targets and messages).</param>
    /// <param name="linearModules">Every linear module's path, as the builder declared them.</param>
    /// <param name="parameters">Every base parameter's name.</param>
    /// <exception cref="UserError">The settings do not fit the model.</exception>
    public static void Check(LoraSettings settings, string modelType, IReadOnlyList<string> linearModules, IReadOnlyList<string> parameters)
    {
        if (settings.R < 1) throw new UserError($"lora_r must be a positive rank, got {settings.R}.", "lora_r: 16 is TRL's default.");
        if (!(settings.Alpha > 0)) throw new UserError($"lora_alpha must be positive, got {settings.Alpha}.", "lora_alpha: 32 is TRL's default (twice lora_r).");
        if (settings.Dropout != 0)
            throw new UserError($"lora_dropout {settings.Dropout}: OnnxKto does not apply dropout to LoRA adapters.",
                "set lora_dropout: 0 (--set lora_dropout=0); TRL's default is 0.05.");
        var names = linearModules.Select(m => m[(m.LastIndexOf('.') + 1)..]).Distinct().ToList();
        var last = linearModules[^1].Split('.');
        foreach (var target in Targets(settings, modelType).Where(t => t != LoraSettings.AllLinear))
            if (!linearModules.Any(m => LoraSettings.Matches(m, target)))
                throw new UserError($"lora_target_modules: '{target}' matches no linear module of this {modelType} model.",
                    $"valid names: {string.Join(", ", names)}, or {LoraSettings.AllLinear}; a dotted suffix such as '{last[^2]}.{last[^1]}' selects fewer.");
        var modules = parameters.Select(ModuleOf).Distinct().ToList();
        foreach (var saved in settings.ModulesToSave)
        {
            var selected = modules.Where(m => LoraSettings.Matches(m, saved)).ToList();
            if (selected.Count == 0)
                throw new UserError($"lora_modules_to_save: '{saved}' matches no module of this {modelType} model.",
                    $"modules look like '{modules[0]}' or '{modules[^1]}'; give a name such as '{modules[^1][(modules[^1].LastIndexOf('.') + 1)..]}'.");
            var adapted = selected.FirstOrDefault(m => linearModules.Contains(m) && IsTarget(settings, modelType, m));
            if (adapted is not null)
                throw new UserError($"lora_modules_to_save: '{saved}' selects '{adapted}', which lora_target_modules already adapts.",
                    "a module either gets an adapter or trains in full; remove it from one of the two lists.");
        }
    }

    /// <summary>The module path of a parameter: its name without the last segment (<c>x.q_proj.weight</c> → <c>x.q_proj</c>).</summary>
    public static string ModuleOf(string parameter) => parameter[..Math.Max(0, parameter.LastIndexOf('.'))];
}
