using System.Globalization;
using OnnxKto.Training.Loop;
using Spectre.Console;

namespace OnnxKto.Cli.Terminal;

/// <summary>
/// The console of a command that trains. In a terminal, Spectre.Console's live progress bar (step, loss, elapsed time and
/// ETA) with the log lines scrolling above it; redirected to a file or a pipe, plain lines only (a logging step's metrics,
/// the log), which is what scripts and tests read.
/// </summary>
internal sealed class TrainingConsole : ITrainingProgress
{
    private readonly ProgressContext? _live;
    private ProgressTask? _bar;
    private int _total;

    private TrainingConsole(ProgressContext? live) => _live = live;

    /// <summary>Runs <paramref name="job"/> with a console it writes its log to and hands to the trainer as its progress.</summary>
    public static T Run<T>(Func<TrainingConsole, T> job)
    {
        if (Console.IsOutputRedirected) return job(new TrainingConsole(null));
        return AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(live => job(new TrainingConsole(live)));
    }

    /// <summary>One log line; in a terminal it is printed above the live bar, which a plain console write would tear.</summary>
    public void WriteLine(string line)
    {
        if (_live is null) Console.WriteLine(line);
        else AnsiConsole.WriteLine(line);
    }

    public void Start(int start, int total)
    {
        _total = total;
        if (_live is null) return;
        _bar = _live.AddTask(Describe(start, null), maxValue: Math.Max(1, total));
        _bar.Value = start;
    }

    public void Update(int step, double loss)
    {
        if (_bar is null) return;
        _bar.Value = step;
        _bar.Description = Describe(step, loss);
    }

    public void Log(IReadOnlyDictionary<string, double> metrics) => WriteLine(MetricsLine(metrics, _total));

    /// <summary>
    /// A logging step's line: step, loss, then the loss's own statistics where it logs them (kto's <c>kl</c>, the
    /// reward margin, dpo's <c>rewards/accuracies</c>, bco's <c>delta</c>), learning rate, gradient norm and throughput.
    /// </summary>
    internal static string MetricsLine(IReadOnlyDictionary<string, double> metrics, int total)
    {
        string F(string key) => metrics.TryGetValue(key, out var v) && double.IsFinite(v) ? v.ToString("G4", CultureInfo.InvariantCulture) : "-";
        var optional = new[] { ("kl", "kl"), ("margins", "rewards/margins"), ("accuracy", "rewards/accuracies"), ("delta", "delta") }
            .Where(o => metrics.ContainsKey(o.Item2)).Select(o => $"  {o.Item1} {F(o.Item2)}");
        return $"step {F("step")}/{total}  loss {F("loss")}{string.Concat(optional)}  " +
            $"lr {F("learning_rate")}  grad_norm {F("grad_norm")}  {F("tokens_per_second")} tok/s";
    }

    public void Finish() => _bar?.StopTask();

    private string Describe(int step, double? loss) =>
        Markup.Escape($"step {step}/{_total}" + (loss is double l ? $"  loss {l.ToString("F4", CultureInfo.InvariantCulture)}" : ""));
}
