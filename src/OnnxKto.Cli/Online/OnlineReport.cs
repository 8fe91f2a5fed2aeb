using System.Globalization;
using System.Text;
using ScottPlot;

namespace OnnxKto.Cli.Online;

/// <summary>The per-round table <c>onnx-kto online</c> prints and its PNG plot (ScottPlot, as the demo's report draws).</summary>
public static class OnlineReport
{
    /// <summary>One line per round: samples, desirable fraction, held-out accuracy and the mean KL estimate of the round's training.</summary>
    public static string Table(IReadOnlyList<OnlineRound> rounds)
    {
        var text = new StringBuilder();
        text.AppendLine($"{"round",5}  {"samples",8}  {"desirable",9}  {"held-out accuracy",17}  {"kl",10}");
        foreach (var r in rounds)
            text.AppendLine($"{r.Round,5}  {(r.Round == 0 ? "-" : r.Samples.ToString(CultureInfo.InvariantCulture)),8}  " +
                $"{(r.DesirableFraction is { } d ? d.ToString("P1", CultureInfo.InvariantCulture) : "-"),9}  " +
                $"{r.HeldOutAccuracy.ToString("P1", CultureInfo.InvariantCulture),17}  {(r.Kl is { } kl ? kl.ToString("G4", CultureInfo.InvariantCulture) : "-"),10}");
        return text.ToString();
    }

    /// <summary>Writes <paramref name="path"/>: held-out accuracy and desirable fraction (%) by round.</summary>
    public static void Plot(IReadOnlyList<OnlineRound> rounds, string path)
    {
        var plot = new Plot();
        var accuracy = plot.Add.Scatter(rounds.Select(r => (double)r.Round).ToArray(), rounds.Select(r => 100 * r.HeldOutAccuracy).ToArray());
        accuracy.LegendText = "held-out greedy accuracy";
        var sampled = rounds.Where(r => r.DesirableFraction is not null).ToList();
        if (sampled.Count > 0)
        {
            var desirable = plot.Add.Scatter(sampled.Select(r => (double)r.Round).ToArray(), sampled.Select(r => 100 * r.DesirableFraction!.Value).ToArray());
            desirable.LegendText = "desirable samples";
        }
        plot.Axes.SetLimitsY(0, 100);
        plot.Title("Online KTO by round (%)");
        plot.XLabel("round");
        plot.YLabel("%");
        plot.ShowLegend();
        plot.SavePng(path, 720, 420);
    }
}
