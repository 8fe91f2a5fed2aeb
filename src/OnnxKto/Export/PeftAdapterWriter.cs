using System.Text.Json;
using System.Text.Json.Nodes;
using OnnxKto.Graphs;
using OnnxKto.Models.Checkpoints;
using OnnxKto.Models.Lora;

namespace OnnxKto.Export;

/// <summary>
/// Writes a LoRA adapter as PEFT saves one, so <c>PeftModel.from_pretrained(base, folder)</c> loads it onto the base
/// checkpoint: <c>adapter_config.json</c> (PEFT's <c>LoraConfig</c>) and <c>adapter_model.safetensors</c>, whose names
/// are <c>base_model.model.</c> + the Hugging Face module path + <c>.lora_A.weight</c> [r, in] / <c>.lora_B.weight</c>
/// [out, r], and <c>base_model.model.</c> + the parameter name for <c>lora_modules_to_save</c>.
/// </summary>
internal static class PeftAdapterWriter
{
    /// <summary>The adapter's subfolder in an export.</summary>
    public const string Folder = "adapter";

    /// <summary>The adapter's configuration file.</summary>
    public const string ConfigFile = "adapter_config.json";

    /// <summary>The adapter's weights.</summary>
    public const string WeightsFile = "adapter_model.safetensors";

    /// <summary>The prefix PEFT's <c>PeftModelForCausalLM</c> puts before the base model's names.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>Writes <paramref name="adapter"/> into <paramref name="folder"/> (created; files replaced) and returns the files.</summary>
    /// <param name="adapter">The trained adapter.</param>
    /// <param name="baseModel">The base model's folder or name, for <c>base_model_name_or_path</c>.</param>
    /// <param name="folder">Output folder.</param>
    /// <param name="log">Progress lines.</param>
    public static IReadOnlyList<string> Write(LoraAdapter adapter, string baseModel, string folder, Action<string>? log = null)
    {
        Directory.CreateDirectory(folder);
        var tensors = new Dictionary<string, TensorData>(StringComparer.Ordinal);
        foreach (var t in adapter.Targets)
        {
            tensors[Prefix + t.Layer.A] = t.A;
            tensors[Prefix + t.Layer.B] = t.B;
        }
        foreach (var (name, value) in adapter.SavedModules) tensors[Prefix + name] = value;
        var weights = Path.Combine(folder, WeightsFile);
        SafetensorsWriter.Write(weights, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var config = Path.Combine(folder, ConfigFile);
        File.WriteAllText(config, Config(adapter, baseModel).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        log?.Invoke($"wrote {Folder}/{ConfigFile} and {Folder}/{WeightsFile}: {tensors.Count} tensors under PEFT's names (r {adapter.Settings.R}, alpha {adapter.Settings.Alpha})");
        return [config, weights];
    }

    /// <summary>PEFT's <c>LoraConfig</c> for <paramref name="adapter"/>.</summary>
    public static JsonObject Config(LoraAdapter adapter, string baseModel)
    {
        var s = adapter.Settings;
        // all-linear is written as the module names it selected, which PEFT versions without the shorthand read too.
        var targets = s.TargetModules.Contains(LoraSettings.AllLinear) || s.TargetModules.Count == 0
            ? adapter.Targets.Select(t => t.Layer.Module[(t.Layer.Module.LastIndexOf('.') + 1)..]).Distinct().Order(StringComparer.Ordinal).ToList()
            : s.TargetModules.ToList();
        return new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = baseModel,
            ["r"] = s.R,
            ["lora_alpha"] = s.Alpha,
            ["lora_dropout"] = s.Dropout,
            ["target_modules"] = new JsonArray(targets.Select(t => (JsonNode)t).ToArray()),
            ["bias"] = "none",
            ["fan_in_fan_out"] = adapter.Targets.Any(t => !t.Layer.WeightIsOutIn),
            ["modules_to_save"] = s.ModulesToSave.Count == 0 ? null : new JsonArray(s.ModulesToSave.Select(m => (JsonNode)m).ToArray()),
            ["init_lora_weights"] = true,
            ["inference_mode"] = true,
            ["use_rslora"] = false,
            ["use_dora"] = false,
            ["layers_to_transform"] = null,
            ["layers_pattern"] = null,
            ["rank_pattern"] = new JsonObject(),
            ["alpha_pattern"] = new JsonObject(),
            ["revision"] = null,
        };
    }
}
