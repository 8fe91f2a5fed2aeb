using System.Diagnostics;
using System.Text.Json;
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
/// competent but unreliable reference; the reference samples completions that a verifier labels yes or no; KTO
/// learns from those labels; held-out accuracy is compared with the reference and with fine-tuning on the desirable
/// samples only. Each stage's folder is reused when already complete; <paramref name="progress"/> follows each training run.
/// </summary>
public sealed class DemoPipeline(string root, DemoSettings settings, Action<string> log, ITrainingProgress? progress = null)
{
    public DemoResult Run()
    {
        var clock = Stopwatch.StartNew();
        var (train, heldOut) = AddOneTask.Split(settings.HeldOutPrompts, settings.Seed);

        var data = Stage("1-data", new { settings.Seed, settings.HeldOutPrompts, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise });
        if (!data.IsComplete)
        {
            data.Reset();
            var rows = AddOneTask.NoisyDemonstrations(train, settings.Demonstrations, settings.SloppyWhenOdd, settings.SloppyOtherwise, settings.Seed).ToList();
            WriteJsonl(data.File("sft.jsonl"), rows.Select(r => (r.Prompt, r.Completion, true)));
            int right = rows.Count(r => AddOneTask.IsCorrect(r.Prompt, r.Completion, ""));
            data.MarkComplete(new { demonstrations = rows.Count, correct = right });
            log($"[data] {rows.Count} demonstrations from a sloppy teacher, {100.0 * right / rows.Count:F1}% correct; {train.Count} training prompts, {heldOut.Count} held out");
        }

        var reference = TrainAndExport("2-reference-sft", settings.Model, data.File("sft.jsonl"), settings.Sft, data);

        var samples = Stage("3-samples", new { upstream = reference.Fingerprint, settings.SamplesPerPrompt, settings.SamplingTemperature, settings.MaxNewTokens, settings.Seed });
        if (!samples.IsComplete)
        {
            samples.Reset();
            log($"[samples] $ onnx-kto generate --model {reference.File("model")} --data <training prompts> --temperature {settings.SamplingTemperature} (x{settings.SamplesPerPrompt})");
            var sampled = Generate(reference.File("model"), train.SelectMany(p => Enumerable.Repeat(p, settings.SamplesPerPrompt)).ToList(),
                settings.SamplingTemperature, settings.Seed);
            // A sample that stopped at once has no completion text, which a KTO dataset row cannot hold.
            var generated = sampled.Where(g => g.Completion.Length > 0).ToList();
            if (generated.Count < sampled.Count) log($"[samples] {sampled.Count - generated.Count} samples ended at once (empty completion) and are left out");
            WriteJsonl(samples.File("kto.jsonl"), generated.Select(g => (g.Prompt, g.Completion, g.Correct)));
            WriteJsonl(samples.File("desirable.jsonl"), generated.Where(g => g.Correct).Select(g => (g.Prompt, g.Completion, true)));
            int desirable = generated.Count(g => g.Correct);
            samples.MarkComplete(new { samples = generated.Count, desirable });
            log($"[samples] the verifier marked {desirable} of {generated.Count} samples desirable ({100.0 * desirable / generated.Count:F1}%)");
        }
        var balance = JsonDocument.Parse(File.ReadAllText(samples.File("complete.json"))).RootElement.GetProperty("summary");
        int nDesirable = balance.GetProperty("desirable").GetInt32(), nTotal = balance.GetProperty("samples").GetInt32();
        // The paper's advice (eq. 8): λ_D·n_D / (λ_U·n_U) in [1, 4/3]; pick the low end when desirable samples are scarce.
        double desirableWeight = nDesirable > 0 && nDesirable < nTotal - nDesirable ? Math.Round((double)(nTotal - nDesirable) / nDesirable, 3) : 1;
        var kto = TrainAndExport("4-kto", reference.File("model"), samples.File("kto.jsonl"), settings.Kto with { Loss = settings.Kto.Loss with { DesirableWeight = desirableWeight } }, samples);
        var baseline = TrainAndExport("5-sft-desirable", reference.File("model"), samples.File("desirable.jsonl"), settings.DesirableSft, samples);

        var evaluation = Stage("6-eval", new { reference = reference.Fingerprint, kto = kto.Fingerprint, baseline = baseline.Fingerprint, settings.MaxNewTokens });
        if (!evaluation.IsComplete)
        {
            evaluation.Reset();
            var scores = new Dictionary<string, double>
            {
                ["reference"] = Accuracy(reference.File("model"), heldOut),
                ["kto"] = Accuracy(kto.File("model"), heldOut),
                ["sft_desirable"] = Accuracy(baseline.File("model"), heldOut),
            };
            evaluation.MarkComplete(scores);
        }
        var accuracy = JsonDocument.Parse(File.ReadAllText(evaluation.File("complete.json"))).RootElement.GetProperty("summary");
        var result = new DemoResult(accuracy.GetProperty("reference").GetDouble(), accuracy.GetProperty("kto").GetDouble(),
            accuracy.GetProperty("sft_desirable").GetDouble(), nDesirable, nTotal, desirableWeight, clock.Elapsed);
        DemoReport.Write(root, result, reference.File("run"), kto.File("run"), baseline.File("run"));
        return result;
    }

    private StageFolder Stage(string name, object key) => new(root, name, key);

    /// <summary>artifacts → train → export, as `onnx-kto artifacts`, `train` and `export` do.</summary>
    private StageFolder TrainAndExport(string name, string model, string data, KtoConfig config, StageFolder upstream)
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
        var options = new TrainOptions { Artifacts = stage.File("artifacts"), Data = data, Output = stage.File("run"), Config = config };
        var summary = new Trainer(options, line => log($"[{name}] {line}"), progress).Run();
        log($"[{name}] $ onnx-kto export --checkpoint {stage.File("run")} --out {stage.File("model")}");
        ModelExporter.Export(stage.File("run"), stage.File("model"), log: line => log($"[{name}] {line}"));
        stage.MarkComplete(summary.Metrics);
        return stage;
    }

    private sealed record Sample(string Prompt, string Completion, bool Correct);

    private List<Sample> Generate(string modelFolder, IReadOnlyList<int[]> prompts, double temperature, int seed)
    {
        using var model = InferenceModel.Open(modelFolder);
        var generator = new TextGenerator(model);
        var tokenizer = model.Tokenizer;
        var samples = new List<Sample>();
        foreach (var (chunk, index) in prompts.Chunk(128).Select((c, i) => (c, i)))
        {
            var texts = chunk.Select(AddOneTask.Prompt).ToList();
            var options = new GenerationOptions { MaxNewTokens = settings.MaxNewTokens, Temperature = temperature, Seed = seed + index };
            var outputs = generator.Generate(texts.Select(tokenizer.Encode).ToList(), options);
            for (int i = 0; i < texts.Count; i++)
            {
                var completion = tokenizer.Decode(outputs[i]);
                samples.Add(new Sample(texts[i], completion, AddOneTask.IsCorrect(texts[i], completion, tokenizer.EosToken)));
            }
        }
        return samples;
    }

    private double Accuracy(string modelFolder, IReadOnlyList<int[]> prompts)
    {
        var samples = Generate(modelFolder, prompts, temperature: 0, settings.Seed);
        double accuracy = (double)samples.Count(s => s.Correct) / samples.Count;
        log($"[eval] {modelFolder}: greedy accuracy {accuracy:P1} on {samples.Count} held-out prompts (e.g. '{samples[0].Prompt}' →'{samples[0].Completion}')");
        return accuracy;
    }

    /// <summary>A TRL-format dataset of (prompt, completion, label) rows, as <c>onnx-kto data unpair</c> writes them.</summary>
    private static void WriteJsonl(string path, IEnumerable<(string Prompt, string Completion, bool Label)> rows) =>
        KtoJsonlWriter.Write(rows.Select((r, i) => new TextExample(r.Prompt, r.Completion, r.Label, new RowLocation(path, i + 1, IsLine: true))), path);
}

/// <summary>Held-out greedy accuracies and what the KTO data looked like.</summary>
public sealed record DemoResult(double Reference, double Kto, double SftDesirable, int DesirableSamples, int Samples,
    double DesirableWeight, TimeSpan Elapsed)
{
    public string AccuracyLine =>
        $"held-out accuracy: reference {Reference:P1} -> KTO {Kto:P1} (SFT on desirable only: {SftDesirable:P1})";
}
