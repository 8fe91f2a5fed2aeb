using System.Globalization;
using System.Text;
using System.Text.Json;
using ScottPlot;

namespace OnnxKto.Cli.Demo;

/// <summary>Writes <c>report.md</c> and its PNG plots (ScottPlot) from the stages' metrics and the accuracies.</summary>
public static class DemoReport
{
    public static void Write(string root, DemoResult result, string referenceRun, string ktoRun, string baselineRun)
    {
        var kto = Metrics(ktoRun);
        Line(Path.Combine(root, "kto_loss.png"), "KTO training loss", "loss", [("KTO", kto, "loss")]);
        Line(Path.Combine(root, "kto_kl.png"), "KL estimate z0 (policy vs reference on mismatched pairs)", "kl", [("kl", kto, "kl")]);
        Line(Path.Combine(root, "kto_rewards.png"), "Implicit rewards β·log(πθ/πref)", "reward",
            [("desirable (chosen)", kto, "rewards/chosen"), ("undesirable (rejected)", kto, "rewards/rejected")]);
        Line(Path.Combine(root, "sft_loss.png"), "Supervised stages: token cross-entropy", "loss",
            [("reference (noisy demonstrations)", Metrics(referenceRun), "loss"), ("SFT on desirable samples", Metrics(baselineRun), "loss")]);
        Bars(Path.Combine(root, "accuracy.png"), result);

        var md = new StringBuilder();
        md.AppendLine("# OnnxKto demo: aligning a model with yes/no feedback");
        md.AppendLine();
        md.AppendLine($"**{result.AccuracyLine}**");
        md.AppendLine();
        md.AppendLine("Task: add one to each digit (`3 9 1 +1 =` → ` 4 0 2`), checked by a program. A GPT-2-style model " +
            "(preset `gpt2-tiny`, the real GPT-2 tokenizer) is first fine-tuned on demonstrations from a sloppy teacher who often " +
            "forgets to add one when the first digit is odd. That reference then answers the training prompts itself; the " +
            "verifier marks each answer desirable or not, and KTO learns from those binary labels alone.");
        md.AppendLine();
        md.AppendLine("| model | held-out greedy accuracy |");
        md.AppendLine("|---|---|");
        md.AppendLine($"| reference (SFT on noisy demonstrations) | {result.Reference:P1} |");
        md.AppendLine($"| KTO on the reference's labelled samples | {result.Kto:P1} |");
        md.AppendLine($"| SFT on the desirable samples only | {result.SftDesirable:P1} |");
        md.AppendLine();
        md.AppendLine($"KTO data: {result.Samples} samples, {result.DesirableSamples} desirable; desirable_weight {result.DesirableWeight.ToString(CultureInfo.InvariantCulture)} " +
            "(the paper's advice, λ_D·n_D/(λ_U·n_U) ≥ 1). Total time {0:mm\\:ss}.".Replace("{0:mm\\:ss}", result.Elapsed.ToString(@"mm\:ss")));
        md.AppendLine();
        foreach (var (file, caption) in new[]
                 {
                     ("accuracy.png", "Held-out accuracy"), ("kto_loss.png", "KTO loss"), ("kto_kl.png", "KL estimate"),
                     ("kto_rewards.png", "Rewards of desirable vs undesirable completions"), ("sft_loss.png", "Supervised losses"),
                 })
            md.AppendLine($"![{caption}]({file})");
        File.WriteAllText(Path.Combine(root, "report.md"), md.ToString());
    }

    private static List<Dictionary<string, double>> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => JsonSerializer.Deserialize<Dictionary<string, double?>>(l)!)
            .Where(m => m.ContainsKey("step"))
            .Select(m => m.Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!.Value)).ToList();

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

    private static void Bars(string path, DemoResult result)
    {
        var plot = new Plot();
        double[] values = [100 * result.Reference, 100 * result.Kto, 100 * result.SftDesirable];
        plot.Add.Bars(values);
        plot.Axes.Bottom.SetTicks([0, 1, 2], ["reference", "KTO", "SFT on desirable"]);
        plot.Axes.SetLimitsY(0, 100);
        plot.Title("Held-out greedy accuracy (%)");
        plot.SavePng(path, 600, 420);
    }
}
