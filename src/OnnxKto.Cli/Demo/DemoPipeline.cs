using System.Diagnostics;
using System.Globalization;
using OnnxKto.Cli.Online;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// The main job, end to end, through the same entry points the commands use: a noisy supervised stage makes a
/// competent but unreliable reference; <c>onnx-kto online</c> then runs from it (sample the policy, label each sample
/// with the task's checker, train KTO, export, evaluate), round 1 on the reference's samples and round 2 on round 1's.
/// The baselines learn from round 1's labelled samples (SFT on the desirable ones, DPO on pairs of them, KTO with 90%
/// of the desirable ones dropped), each at every learning rate of the grid; validation accuracy picks each baseline's
/// run and held-out accuracy is reported. Each stage's folder is reused when already complete (the online stage also
/// resumes a round it was killed in); <paramref name="progress"/> follows each training run.
/// </summary>
public sealed class DemoPipeline(string root, DemoSettings settings, Action<string> log, ITrainingProgress? progress = null)
{
    public DemoResult Run()
    {
        var clock = Stopwatch.StartNew();
        var prompts = AddOneTask.Split(settings.HeldOutPrompts, settings.ValidationPrompts, settings.Seed);
        var train = prompts.Train.Take(settings.TrainingPrompts ?? prompts.Train.Count).ToList();

        var data = Stage("1-data", new { settings.Seed, settings.HeldOutPrompts, settings.ValidationPrompts, settings.TrainingPrompts, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise });
        if (!data.IsComplete)
        {
            data.Reset();
            var rows = AddOneTask.NoisyDemonstrations(train, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise, settings.Seed).ToList();
            PreferenceSets.WriteKto(data.File("sft.jsonl"), rows.Select(r => new LabelledSample(r.Prompt, r.Completion, true)));
            AddOneTask.WritePrompts(data.File("prompts.jsonl"), train);
            AddOneTask.WritePrompts(data.File("held_out.jsonl"), prompts.HeldOut);
            int right = rows.Count(r => AddOneTask.IsCorrect(r.Prompt, r.Completion, ""));
            data.MarkComplete(new { demonstrations = rows.Count, correct = right });
            log($"[data] {rows.Count} demonstrations from a sloppy teacher, {100.0 * right / rows.Count:F1}% correct; " +
                $"{train.Count} training prompts, {prompts.Validation.Count} validation, {prompts.HeldOut.Count} held out");
        }

        var reference = TrainAndExport("2-reference-sft", settings.Model, data.File("sft.jsonl"), settings.Sft, data);
        var (online, rounds) = Online(reference, data);

        var samples = Stage("4-preference-sets", new { upstream = online.Fingerprint, settings.DesirableKept, settings.Seed });
        if (!samples.IsComplete)
        {
            samples.Reset();
            samples.MarkComplete(PreferenceSets.Write(samples.Path, LabelledSample.Load(online.File("round-1/kto.jsonl")), settings.DesirableKept, settings.Seed));
        }
        var counts = samples.Summary<PreferenceCounts>();
        var dataSummary = $"round 1: {counts.Samples} samples, {counts.Desirable} desirable; {counts.Pairs} DPO pairs; " +
                          $"{counts.ImbalancedDesirable} desirable kept for the imbalance run";
        log($"[samples] {dataSummary}");

        var baselines = new (string Key, string Label, string Data, KtoConfig Config)[]
        {
            ("sft-desirable", "SFT on desirable", PreferenceSets.Desirable, settings.DesirableSft),
            ("dpo", "DPO on pairs", PreferenceSets.Pairs, settings.Dpo),
            ("kto-imbalanced", "KTO, 90% desirable dropped", PreferenceSets.Imbalanced, settings.Kto),
        };
        var models = new List<(string Name, string Fingerprint, string Folder)> { (reference.Name, reference.Fingerprint, reference.File("model")) };
        var trained = baselines.Select((m, i) =>
        {
            var stages = new List<StageFolder>();
            foreach (var lr in settings.LearningRates)
                stages.Add(TrainAndExport($"{5 + i}-{m.Key}-lr{lr.ToString("0.#####e0", CultureInfo.InvariantCulture)}", reference.File("model"),
                    samples.File(m.Data), m.Config with { Schedule = m.Config.Schedule with { LearningRate = lr } }, samples, stages.FirstOrDefault()));
            models.AddRange(stages.Select(s => (s.Name, s.Fingerprint, s.File("model"))));
            return (m.Label, m.Data, Runs: stages.Select((s, r) => (Name: s.Name, LearningRate: settings.LearningRates[r], RunFolder: s.File("run"))).ToList());
        }).ToList();
        var ktoRounds = Enumerable.Range(1, settings.Rounds).Select(r => (Name: $"{online.Name}/round-{r}", Round: r)).ToList();
        models.AddRange(ktoRounds.Select(k => (k.Name, $"{online.Fingerprint}/{k.Round}", online.File($"round-{k.Round}/model"))));

        var evaluation = Stage("8-eval", new { models = models.Select(m => m.Fingerprint).ToArray(), settings.MaxNewTokens });
        if (!evaluation.IsComplete)
        {
            evaluation.Reset();
            var scores = models.ToDictionary(m => m.Name, m => new[] { Accuracy(m.Folder, prompts.Validation, "validation"), Accuracy(m.Folder, prompts.HeldOut, "held-out") });
            evaluation.MarkComplete(scores);
        }
        var accuracy = evaluation.Summary<Dictionary<string, double[]>>();
        DemoRun RunOf(string name, double learningRate, string runFolder) => new(learningRate, accuracy[name][0], accuracy[name][1], runFolder);
        var kto = ktoRounds.Select(k => new DemoMethodResult(k.Round == 1 ? "KTO" : $"KTO, round {k.Round}",
            k.Round == 1 ? PreferenceSets.Kto : $"round-{k.Round}/kto.jsonl",
            [RunOf(k.Name, settings.Kto.Schedule.LearningRate, online.File($"round-{k.Round}/run"))])).ToList();
        var methods = trained.Select(t => new DemoMethodResult(t.Label, t.Data, t.Runs.Select(r => RunOf(r.Name, r.LearningRate, r.RunFolder)).ToList())).ToList();
        methods.Insert(2, kto[0]);
        methods.AddRange(kto.Skip(1));
        var result = new DemoResult(RunOf(reference.Name, settings.Sft.Schedule.LearningRate, reference.File("run")), methods, rounds, dataSummary, clock.Elapsed);
        DemoReport.Write(root, result, settings);
        return result;
    }

    /// <summary>
    /// <c>onnx-kto online</c> from the reference, as the command runs it: the settings written to <c>online.yaml</c> and
    /// read back by the command's reader, then the loop. A stage killed midway resumes where the loop stopped.
    /// </summary>
    private (StageFolder Stage, IReadOnlyList<OnlineRound> Rounds) Online(StageFolder reference, StageFolder data)
    {
        var yaml = OnlineSettingsYaml.ToYaml(settings.Online(reference.File("model"), data.File("prompts.jsonl"), data.File("held_out.jsonl")));
        var stage = Stage("3-online", new { upstream = reference.Fingerprint, data = data.Fingerprint, yaml });
        if (stage.IsComplete)
        {
            log($"[online] complete, reusing {stage.Path}");
            return (stage, stage.Summary<List<OnlineRound>>());
        }
        stage.ResumeOrReset();
        var config = stage.File("online.yaml");  // the loop records the settings it runs there too: the same text
        File.WriteAllText(config, yaml);
        log($"[online] $ onnx-kto online --config {config} --out {stage.Path}");
        var rounds = new OnlineLoop(stage.Path, OnlineSettingsYaml.Load(config, []), log, _ => progress).Run();
        foreach (var line in OnlineReport.Table(rounds).TrimEnd().Split('\n')) log($"[online] {line}");
        stage.MarkComplete(rounds);
        return (stage, rounds);
    }

    private StageFolder Stage(string name, object key) => new(root, name, key);

    /// <summary>
    /// artifacts → train → export, as `onnx-kto artifacts`, `train` and `export` do. <paramref name="sibling"/>: a run
    /// of the same data from the same model at another learning rate, whose reference log-probs are copied in; the
    /// trainer uses them only when their key (model, data, KL pairs) matches, else recomputes them.
    /// </summary>
    private StageFolder TrainAndExport(string name, string model, string data, KtoConfig config, StageFolder upstream, StageFolder? sibling = null)
    {
        var stage = Stage(name, new { model = Presets.IsPreset(model) ? model : "upstream", upstream = upstream.Fingerprint, config = KtoConfigWriter.ToYaml(config) });
        if (stage.IsComplete)
        {
            log($"[{name}] complete, reusing {stage.Path}");
            return stage;
        }
        stage.Reset();
        File.WriteAllText(stage.File("kto.yaml"), KtoConfigWriter.ToYaml(config));
        log($"[{name}] $ onnx-kto artifacts --model {model} --config {stage.File("kto.yaml")} --out {stage.File("artifacts")}");
        ArtifactGenerator.Generate(ModelSource.Load(model, config.Data.Seed), config, stage.File("artifacts"), line => log($"[{name}] {line}"));
        log($"[{name}] $ onnx-kto train --artifacts {stage.File("artifacts")} --data {data} --config {stage.File("kto.yaml")} --out {stage.File("run")}");
        var cache = sibling is null ? [] : Directory.GetFiles(sibling.File("run"), "reference_logps*.safetensors");
        if (cache.Length > 0) Directory.CreateDirectory(stage.File("run"));
        foreach (var file in cache) File.Copy(file, Path.Combine(stage.File("run"), Path.GetFileName(file)));
        var options = new TrainOptions { Artifacts = stage.File("artifacts"), Data = data, Output = stage.File("run"), Config = config };
        var summary = new Trainer(options, line => log($"[{name}] {line}"), progress).Run();
        log($"[{name}] $ onnx-kto export --checkpoint {stage.File("run")} --out {stage.File("model")}");
        ModelExporter.Export(stage.File("run"), stage.File("model"), log: line => log($"[{name}] {line}"));
        stage.MarkComplete(summary.Metrics);
        return stage;
    }

    /// <summary>The share of <paramref name="prompts"/> whose greedy completion the task's checker accepts.</summary>
    private double Accuracy(string modelFolder, IReadOnlyList<int[]> prompts, string set)
    {
        using var model = InferenceModel.Open(modelFolder);
        var generator = new TextGenerator(model);
        var tokenizer = model.Tokenizer;
        var options = new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Temperature = 0 };
        var texts = prompts.Select(AddOneTask.Prompt).ToList();
        var completions = texts.Chunk(128).SelectMany(chunk => generator.Generate(chunk.Select(tokenizer.Encode).ToList(), options)).Select(tokenizer.Decode).ToList();
        double accuracy = (double)texts.Zip(completions).Count(p => AddOneTask.IsCorrect(p.First, p.Second, tokenizer.EosToken)) / texts.Count;
        log($"[eval] {modelFolder}: greedy accuracy {accuracy:P1} on {texts.Count} {set} prompts (e.g. '{texts[0]}' →'{completions[0]}')");
        return accuracy;
    }
}
