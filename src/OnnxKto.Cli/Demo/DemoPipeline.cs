using System.Diagnostics;
using System.Globalization;
using OnnxKto.Data;
using OnnxKto.Export;
using OnnxKto.Generation;
using OnnxKto.Models;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Configuration;
using OnnxKto.Training.Loop;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// The main job, end to end, through the same entry points the commands use: a noisy supervised stage makes a
/// competent but unreliable reference; the reference samples completions that a verifier labels yes or no; four methods
/// learn from those samples (SFT on the desirable ones, DPO on pairs of them, KTO on all, KTO with 90% of the desirable
/// ones dropped), each at every learning rate of the grid; validation accuracy picks each method's run and held-out
/// accuracy is reported. Each stage's folder is reused when already complete; <paramref name="progress"/> follows each training run.
/// </summary>
public sealed class DemoPipeline(string root, DemoSettings settings, Action<string> log, ITrainingProgress? progress = null)
{
    public DemoResult Run()
    {
        var clock = Stopwatch.StartNew();
        var prompts = AddOneTask.Split(settings.HeldOutPrompts, settings.ValidationPrompts, settings.Seed);
        var train = prompts.Train;

        var data = Stage("1-data", new { settings.Seed, settings.HeldOutPrompts, settings.ValidationPrompts, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise });
        if (!data.IsComplete)
        {
            data.Reset();
            var rows = AddOneTask.NoisyDemonstrations(train, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise, settings.Seed).ToList();
            PreferenceSets.WriteKto(data.File("sft.jsonl"), rows.Select(r => new LabelledSample(r.Prompt, r.Completion, true)));
            int right = rows.Count(r => AddOneTask.IsCorrect(r.Prompt, r.Completion, ""));
            data.MarkComplete(new { demonstrations = rows.Count, correct = right });
            log($"[data] {rows.Count} demonstrations from a sloppy teacher, {100.0 * right / rows.Count:F1}% correct; " +
                $"{train.Count} training prompts, {prompts.Validation.Count} validation, {prompts.HeldOut.Count} held out");
        }

        var reference = TrainAndExport("2-reference-sft", settings.Model, data.File("sft.jsonl"), settings.Sft, data);

        var samples = Stage("3-samples", new { upstream = reference.Fingerprint, settings.SamplesPerPrompt, settings.SamplingTemperature, settings.MaxNewTokens, settings.DesirableKept, settings.Seed });
        if (!samples.IsComplete)
        {
            samples.Reset();
            log($"[samples] $ onnx-kto generate --model {reference.File("model")} --data <training prompts> --temperature {settings.SamplingTemperature} (x{settings.SamplesPerPrompt})");
            var sampled = Generate(reference.File("model"), train.SelectMany(p => Enumerable.Repeat(p, settings.SamplesPerPrompt)).ToList(),
                settings.SamplingTemperature, settings.Seed);
            // A sample that stopped at once has no completion text, which a KTO dataset row cannot hold.
            var generated = sampled.Where(g => g.Completion.Length > 0).ToList();
            if (generated.Count < sampled.Count) log($"[samples] {sampled.Count - generated.Count} samples ended at once (empty completion) and are left out");
            samples.MarkComplete(PreferenceSets.Write(samples.Path, generated, settings.DesirableKept, settings.Seed));
        }
        var counts = samples.Summary<PreferenceCounts>();
        var dataSummary = $"{counts.Samples} samples, {counts.Desirable} desirable; {counts.Pairs} DPO pairs; " +
                          $"{counts.ImbalancedDesirable} desirable kept for the imbalance run";
        log($"[samples] {dataSummary}");

        var methods = new (string Key, string Label, string Data, KtoConfig Config)[]
        {
            ("sft-desirable", "SFT on desirable", PreferenceSets.Desirable, settings.DesirableSft),
            ("dpo", "DPO on pairs", PreferenceSets.Pairs, settings.Dpo),
            ("kto", "KTO", PreferenceSets.Kto, settings.Kto),
            ("kto-imbalanced", "KTO, 90% desirable dropped", PreferenceSets.Imbalanced, settings.Kto),
        };
        var trained = methods.Select((m, i) =>
        {
            var stages = new List<StageFolder>();
            foreach (var lr in settings.LearningRates)
                stages.Add(TrainAndExport($"{4 + i}-{m.Key}-lr{lr.ToString("0.#####e0", CultureInfo.InvariantCulture)}", reference.File("model"),
                    samples.File(m.Data), m.Config with { Schedule = m.Config.Schedule with { LearningRate = lr } }, samples, stages.FirstOrDefault()));
            return (m.Label, m.Data, Stages: stages);
        }).ToList();

        var models = new[] { reference }.Concat(trained.SelectMany(t => t.Stages)).ToList();
        var evaluation = Stage("9-eval", new { models = models.Select(m => m.Fingerprint).ToArray(), settings.MaxNewTokens });
        if (!evaluation.IsComplete)
        {
            evaluation.Reset();
            var scores = models.ToDictionary(m => m.Name, m => new[] { Accuracy(m.File("model"), prompts.Validation, "validation"), Accuracy(m.File("model"), prompts.HeldOut, "held-out") });
            evaluation.MarkComplete(scores);
        }
        var accuracy = evaluation.Summary<Dictionary<string, double[]>>();
        DemoRun RunOf(StageFolder stage, double learningRate) =>
            new(learningRate, accuracy[stage.Name][0], accuracy[stage.Name][1], stage.File("run"));
        var result = new DemoResult(RunOf(reference, settings.Sft.Schedule.LearningRate),
            trained.Select(t => new DemoMethodResult(t.Label, t.Data, t.Stages.Select((s, i) => RunOf(s, settings.LearningRates[i])).ToList())).ToList(),
            dataSummary, clock.Elapsed);
        DemoReport.Write(root, result, settings);
        return result;
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

    private List<LabelledSample> Generate(string modelFolder, IReadOnlyList<int[]> prompts, double temperature, int seed)
    {
        using var model = InferenceModel.Open(modelFolder);
        var generator = new TextGenerator(model);
        var tokenizer = model.Tokenizer;
        var samples = new List<LabelledSample>();
        foreach (var (chunk, index) in prompts.Chunk(128).Select((c, i) => (c, i)))
        {
            var texts = chunk.Select(AddOneTask.Prompt).ToList();
            var options = new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Temperature = temperature, Seed = seed + index };
            var outputs = generator.Generate(texts.Select(tokenizer.Encode).ToList(), options);
            for (int i = 0; i < texts.Count; i++)
            {
                var completion = tokenizer.Decode(outputs[i]);
                samples.Add(new LabelledSample(texts[i], completion, AddOneTask.IsCorrect(texts[i], completion, tokenizer.EosToken)));
            }
        }
        return samples;
    }

    private double Accuracy(string modelFolder, IReadOnlyList<int[]> prompts, string set)
    {
        var samples = Generate(modelFolder, prompts, temperature: 0, settings.Seed);
        double accuracy = (double)samples.Count(s => s.Correct) / samples.Count;
        log($"[eval] {modelFolder}: greedy accuracy {accuracy:P1} on {samples.Count} {set} prompts (e.g. '{samples[0].Prompt}' →'{samples[0].Completion}')");
        return accuracy;
    }
}
