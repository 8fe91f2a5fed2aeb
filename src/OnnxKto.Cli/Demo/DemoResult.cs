using OnnxKto.Cli.Online;

namespace OnnxKto.Cli.Demo;

/// <summary>One training run of a compared method: its learning rate, greedy accuracies and run folder.</summary>
public sealed record DemoRun(double LearningRate, double Validation, double HeldOut, string RunFolder);

/// <summary>A compared method's runs over the learning-rate grid and the one validation accuracy chose.</summary>
public sealed record DemoMethodResult(string Label, string Data, IReadOnlyList<DemoRun> Runs)
{
    /// <summary>The run with the best validation accuracy; a tie goes to the smaller learning rate (the grid is ascending).</summary>
    public DemoRun Chosen => Runs.Aggregate((best, run) => run.Validation > best.Validation ? run : best);
}

/// <summary>Held-out greedy accuracies, the grid behind them, the online rounds' table and what the preference data looked like.</summary>
public sealed record DemoResult(DemoRun Reference, IReadOnlyList<DemoMethodResult> Methods, IReadOnlyList<OnlineRound> Rounds, string DataSummary, TimeSpan Elapsed)
{
    public string AccuracyLine =>
        $"held-out accuracy: reference {Reference.HeldOut:P1}; " + string.Join("; ", Methods.Select(m => $"{m.Label} {m.Chosen.HeldOut:P1}"));
}
