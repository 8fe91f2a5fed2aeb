using System.Globalization;
using System.Text.Json;
using OnnxKto.Cli.Commands;
using OnnxKto.Data;
using OnnxKto.Data.ChatTemplates;
using OnnxKto.Data.Labelling;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Cli.Online;

/// <summary>
/// <c>onnx-kto online</c>: round 0 evaluates the initial model on the held-out prompts; each round r ≥ 1 then samples
/// the current policy (<c>generate --data</c>), labels the samples (<c>label</c>), builds artifacts from the policy,
/// trains KTO (<c>train</c>), exports (<c>export</c>) and evaluates greedily on the held-out prompts with the same verifier.
/// Every step writes its output under a temporary name and renames it when done, and <c>round-r/complete.json</c>
/// closes a round, so a killed run resumes at the step where it stopped: completed rounds and steps are reused and the
/// training step continues from its last checkpoint (<c>train --resume</c>).
/// </summary>
/// <param name="root">The output folder: <c>online.yaml</c> (the settings run, every key), <c>online.json</c> (their fingerprint), <c>round-0</c>, <c>round-1</c>, ...</param>
/// <param name="settings">What to run; a root holding a run with other settings (bar <c>rounds</c>) is refused.</param>
/// <param name="log">Progress lines, each with its round.</param>
/// <param name="progress">A training progress display for round r, or null.</param>
public sealed class OnlineLoop(string root, OnlineSettings settings, Action<string> log, Func<int, ITrainingProgress?>? progress = null)
{
    private const string Marker = "complete.json";

    /// <summary>Runs (or resumes) every round and returns each round's row of the table, round 0 first.</summary>
    /// <exception cref="UserError">The root holds a run with other settings, or a step failed on the user's input.</exception>
    public IReadOnlyList<OnlineRound> Run()
    {
        CheckFingerprint();
        var rows = new List<OnlineRound> { Round(0, () => Evaluate(0, settings.Model, line => log($"[round 0] {line}"))) };
        for (int r = 1; r <= settings.Rounds; r++)
        {
            int round = r;
            rows.Add(Round(r, () => Train(round)));
        }
        return rows;
    }

    /// <summary>The exported policy after round <paramref name="round"/> (round 0: the initial model).</summary>
    public string Policy(int round) => round == 0 ? settings.Model : Path.Combine(RoundFolder(round), "model");

    private string RoundFolder(int round) => Path.Combine(root, $"round-{round}");

    private OnlineRound Round(int round, Func<OnlineRound> run)
    {
        var marker = Path.Combine(RoundFolder(round), Marker);
        if (File.Exists(marker))
        {
            log($"[round {round}] complete, reusing {RoundFolder(round)}");
            return JsonSerializer.Deserialize<OnlineRound>(File.ReadAllText(marker))!;
        }
        Directory.CreateDirectory(RoundFolder(round));
        var row = run();
        Write(marker, temporary => File.WriteAllText(temporary, JsonSerializer.Serialize(row, new JsonSerializerOptions { WriteIndented = true })));
        return row;
    }

    private OnlineRound Train(int round)
    {
        var folder = RoundFolder(round);
        string File(string name) => Path.Combine(folder, name);
        void Say(string line) => log($"[round {round}] {line}");
        var policy = Policy(round - 1);

        var sampling = Options(settings.Temperature, settings.NumSamples, settings.Seed + round);
        Say($"$ onnx-kto generate --model {policy} --data {settings.Prompts} -n {settings.NumSamples} --temperature {Invariant(settings.Temperature)} --seed {settings.Seed + round} --out {File("samples.jsonl")}");
        Write(File("samples.jsonl"), temporary => Sample(policy, settings.Prompts, sampling, temporary));
        Say($"$ onnx-kto label --data {File("samples.jsonl")} {VerifierFlags()} --out {File("kto.jsonl")}");
        var balance = LabelOnce(File("samples.jsonl"), File("kto.jsonl"));
        int samples = balance.Desirable + balance.Undesirable;
        Say($"{balance.Desirable} of {samples} samples desirable ({Fraction(balance.Desirable, samples):P1})");

        // A sample that ended at once has an empty completion, which a KTO row cannot hold: skipped and counted.
        var config = settings.Train with { Data = settings.Train.Data with { SkipInvalid = true } };
        Say($"$ onnx-kto artifacts --model {policy} --out {File("artifacts")}");
        Write(File("artifacts"), temporary => ArtifactGenerator.Generate(ModelSource.Load(policy, config.Data.Seed), config, temporary, Say));
        var reference = settings.Reference == OnlineReference.Initial && round > 1 ? Path.Combine(RoundFolder(1), "artifacts") : null;
        if (!Directory.Exists(File("model")))
        {
            Say($"$ onnx-kto train --artifacts {File("artifacts")} --data {File("kto.jsonl")} --out {File("run")} --resume" +
                (reference is null ? "" : $"   (reference: the initial model, {reference})"));
            var options = new TrainOptions
            {
                Artifacts = File("artifacts"), Data = File("kto.jsonl"), Output = File("run"), Config = config, Resume = true,
                ReferenceArtifacts = reference,
            };
            new Trainer(options, Say, progress?.Invoke(round)).Run();
        }
        Say($"$ onnx-kto export --checkpoint {File("run")} --out {File("model")}");
        Write(File("model"), temporary => ModelExporter.Export(File("run"), temporary, log: Say));
        var evaluation = Evaluate(round, File("model"), Say);
        return evaluation with { Samples = samples, DesirableFraction = Fraction(balance.Desirable, samples), Kl = MeanKl(File("run")) };
    }

    /// <summary>Greedy completions of the held-out prompts, labelled by the verifier: the round's accuracy.</summary>
    private OnlineRound Evaluate(int round, string model, Action<string> say)
    {
        string File(string name) => Path.Combine(RoundFolder(round), name);
        Write(File("heldout.jsonl"), temporary => Sample(model, settings.HeldOut, Options(0, 1, settings.Seed), temporary));
        var balance = LabelOnce(File("heldout.jsonl"), File("heldout_labelled.jsonl"));
        double accuracy = Fraction(balance.Desirable, balance.Desirable + balance.Undesirable);
        say($"held-out greedy accuracy {accuracy:P1} ({balance.Desirable} of {balance.Desirable + balance.Undesirable}) with {model}");
        return new OnlineRound(round, 0, null, accuracy, null);
    }

    private GenerationOptions Options(double temperature, int samples, int seed)
    {
        var options = new GenerationOptions
        {
            MaxNewTokens = settings.MaxNewTokens, Temperature = temperature, TopP = temperature > 0 ? settings.TopP : 1, Seed = seed,
            NumReturnSequences = samples, StopStrings = settings.Stop.ToArray(),
        };
        options.Validate();
        return options;
    }

    private void Sample(string model, string prompts, GenerationOptions options, string output)
    {
        using var inference = InferenceModel.Open(model);
        var rows = PromptDataset.Load(prompts);
        // The template renders with the training section's chat_template_kwargs, so sampled prompts are the ones training scores.
        var template = ChatTemplateCatalog.Resolve(settings.ChatTemplate, model, settings.Train.Data.ChatTemplateKwargs.Values);
        PromptSampler.Write(inference, rows, template, options, settings.BatchSize, output);
    }

    /// <summary>Labels <paramref name="samples"/> into <paramref name="output"/> unless a previous run did; the label balance either way.</summary>
    private LabelBalance LabelOnce(string samples, string output)
    {
        if (!File.Exists(output))
            SampleLabeller.Label(samples, output, LabelCommand.Verifier(settings.Verifier, settings.Threshold, settings.Exact, settings.Regex));
        return LabelBalance.Count(SampleRow.Load(output).Select(r => r.Columns["label"]!.GetValue<bool>()));
    }

    private string VerifierFlags() =>
        settings.Verifier is { } command ? $"--verifier \"{command}\"" + (settings.Threshold is { } t ? $" --threshold {Invariant(t)}" : "")
        : settings.Exact is { } column ? $"--exact {column}" : $"--regex \"{settings.Regex}\"";

    /// <summary>
    /// The mean of the KL estimates (KTO's z0) the run logged, or null when it logged none: how far the policy moved
    /// from the round's reference over the round. (The last one alone is often 0: z0 is clamped at 0, as TRL does.)
    /// </summary>
    private static double? MeanKl(string run)
    {
        var estimates = new RunFolder(run).ReadMetrics().Where(m => m.ContainsKey("kl")).Select(m => m["kl"]).ToList();
        return estimates.Count == 0 ? null : estimates.Average();
    }

    /// <summary>Makes <paramref name="path"/> (a file or folder) under a temporary name, then renames it; an existing one is kept.</summary>
    private static void Write(string path, Action<string> make)
    {
        if (File.Exists(path) || Directory.Exists(path)) return;
        AtomicPath.Write(path, make);
    }

    /// <summary>Refuses a root that holds a run with other settings (bar <c>rounds</c>); records these in <c>online.yaml</c>.</summary>
    private void CheckFingerprint()
    {
        Directory.CreateDirectory(root);
        var fingerprint = ArtifactManifest.Fingerprint(OnlineSettingsYaml.ToYaml(settings with { Rounds = 0 }));
        var path = Path.Combine(root, "online.json");
        if (File.Exists(path) && JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("fingerprint").GetString() != fingerprint)
            throw new UserError($"'{root}' holds an online run with other settings (only 'rounds' may change between runs).",
                "Choose another --out, or delete the folder to start over.");
        File.WriteAllText(path, JsonSerializer.Serialize(new { fingerprint }));
        File.WriteAllText(Path.Combine(root, "online.yaml"), OnlineSettingsYaml.ToYaml(settings));
    }

    private static double Fraction(int part, int whole) => whole == 0 ? 0 : (double)part / whole;

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);
}
