using System.Globalization;
using System.Text;
using OnnxKto.Cli.Online;
using OnnxKto.Training.Loop;
using ScottPlot;

namespace OnnxKto.Cli.Demo;

/// <summary>Writes <c>report.md</c> and its PNG plots (ScottPlot) from the chosen runs' metrics and the accuracies.</summary>
public static class DemoReport
{
    public static void Write(string root, DemoResult result, DemoSettings settings)
    {
        var methods = result.Methods.ToDictionary(m => m.Data, m => (m.Label, Rows: Metrics(m.Chosen.RunFolder)));
        var kto = methods["kto.jsonl"];
        var imbalanced = methods["kto-imbalanced.jsonl"];
        var dpo = methods["pairs.jsonl"];
        Line(Path.Combine(root, "kto_loss.png"), "Preference losses (chosen learning rates)", "loss",
            [(kto.Label, kto.Rows, "loss"), (imbalanced.Label, imbalanced.Rows, "loss"), (dpo.Label, dpo.Rows, "loss")]);
        Line(Path.Combine(root, "kto_kl.png"), "KTO's KL estimate z0 (policy vs reference on mismatched pairs)", "kl",
            [(kto.Label, kto.Rows, "kl"), (imbalanced.Label, imbalanced.Rows, "kl")]);
        Line(Path.Combine(root, "kto_rewards.png"), "Implicit rewards β·log(πθ/πref)", "reward",
            [($"{kto.Label}: desirable", kto.Rows, "rewards/chosen"), ($"{kto.Label}: undesirable", kto.Rows, "rewards/rejected"),
             ($"{dpo.Label}: chosen", dpo.Rows, "rewards/chosen"), ($"{dpo.Label}: rejected", dpo.Rows, "rewards/rejected")]);
        var sft = methods["desirable.jsonl"];
        Line(Path.Combine(root, "sft_loss.png"), "Supervised stages: token cross-entropy", "loss",
            [("reference (noisy demonstrations)", Metrics(result.Reference.RunFolder), "loss"), (sft.Label, sft.Rows, "loss")]);
        Bars(Path.Combine(root, "accuracy.png"), result);
        OnlineReport.Plot(result.Rounds, Path.Combine(root, "rounds.png"));

        var md = new StringBuilder();
        md.AppendLine("# OnnxKto demo: aligning a model with yes/no feedback");
        md.AppendLine();
        md.AppendLine($"**{result.AccuracyLine}**");
        md.AppendLine();
        md.AppendLine("Task: add one to each digit (`3 9 1 +1 =` → ` 4 0 2`), checked by a program. A GPT-2-style model " +
            "(preset `gpt2-tiny`, the real GPT-2 tokenizer) is first fine-tuned on demonstrations from a sloppy teacher who often " +
            "forgets to add one when the first digit is odd. `onnx-kto online` then starts from that reference: each round samples " +
            $"the current policy {settings.SamplesPerPrompt} times per training prompt, labels every sample by exact match with the prompt's " +
            $"answer (`exact: {AddOneTask.AnswerColumn}`), trains KTO on them and evaluates greedily on the held-out prompts. " +
            "The baselines learn from the same round-1 samples.");
        md.AppendLine();
        md.AppendLine("```");
        md.Append(OnlineReport.Table(result.Rounds));
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine($"| model | data | learning rate | validation | held-out |");
        md.AppendLine("|---|---|---|---|---|");
        md.AppendLine($"| reference (SFT on noisy demonstrations) | {settings.Demonstrations} demonstrations | {Number(result.Reference.LearningRate)} | " +
                      $"{result.Reference.Validation:P1} | **{result.Reference.HeldOut:P1}** |");
        foreach (var method in result.Methods)
            md.AppendLine($"| {method.Label} | `{method.Data}` | {Number(method.Chosen.LearningRate)} | {method.Chosen.Validation:P1} | **{method.Chosen.HeldOut:P1}** |");
        md.AppendLine();
        md.AppendLine($"Each baseline trained once per learning rate in [{string.Join(", ", settings.LearningRates.Select(Number))}]; " +
                      $"the run with the best accuracy on {settings.ValidationPrompts} validation prompts (ties: the smaller rate) is the one shown. " +
                      $"KTO trained once per online round, at {Number(settings.Kto.Schedule.LearningRate)}. Greedy accuracy on {settings.HeldOutPrompts} " +
                      "held-out prompts, used for nothing else, is the result. All runs:");
        md.AppendLine();
        md.AppendLine("| method | learning rate | validation | held-out |");
        md.AppendLine("|---|---|---|---|");
        foreach (var method in result.Methods)
            foreach (var run in method.Runs)
                md.AppendLine($"| {method.Label} | {Number(run.LearningRate)} | {run.Validation:P1} | {run.HeldOut:P1} |");
        md.AppendLine();
        md.AppendLine($"Data: {result.DataSummary}. KTO's desirable_weight is auto (λ_D·n_D/(λ_U·n_U) = 1, the paper's eq. 8). " +
                      $"This run took {result.Elapsed:mm\\:ss} (complete stages are reused, so a rerun is quicker than the first).");
        md.AppendLine();
        foreach (var (file, caption) in new[]
                 {
                     ("accuracy.png", "Held-out accuracy"), ("rounds.png", "Online rounds"), ("kto_loss.png", "Preference losses"), ("kto_kl.png", "KL estimate"),
                     ("kto_rewards.png", "Rewards of desirable vs undesirable completions"), ("sft_loss.png", "Supervised losses"),
                 })
            md.AppendLine($"![{caption}]({file})");
        File.WriteAllText(Path.Combine(root, "report.md"), md.ToString());
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static List<Dictionary<string, double>> Metrics(string run) => new RunFolder(run).ReadMetrics();

    private static void Line(string path, string title, string yLabel, (string Legend, List<Dictionary<string, double>> Rows, string Key)[] series)
    {
        var plot = new Plot();
        foreach (var (legend, rows, key) in series)
        {
            var points = rows.Where(r => r.ContainsKey(key)).ToList();
            if (points.Count == 0) continue;
            var line = plot.Add.Scatter(points.Select(r => r["step"]).ToArray(), points.Select(r => r[key]).ToArray());
            line.LegendText = legend;
        }
        plot.Title(title);
        plot.XLabel("optimizer step");
        plot.YLabel(yLabel);
        if (series.Length > 1) plot.ShowLegend();
        plot.SavePng(path, 720, 420);
    }

    /// <summary>Held-out accuracy of the reference and of each method's chosen run.</summary>
    private static void Bars(string path, DemoResult result)
    {
        var plot = new Plot();
        double[] values = [100 * result.Reference.HeldOut, .. result.Methods.Select(m => 100 * m.Chosen.HeldOut)];
        string[] labels = ["reference", .. result.Methods.Select(m => m.Label)];
        plot.Add.Bars(values);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, values.Length).Select(i => (double)i).ToArray(), labels);
        plot.Axes.SetLimitsY(0, 100);
        plot.Title("Held-out greedy accuracy (%), learning rate chosen on validation");
        plot.SavePng(path, 1100, 420);
    }
}
