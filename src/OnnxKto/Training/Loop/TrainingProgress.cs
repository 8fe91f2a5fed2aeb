namespace OnnxKto.Training.Loop;

/// <summary>
/// Shows progress: a one-line bar with step, loss and ETA on an interactive terminal; plain log lines otherwise.
/// </summary>
public sealed class TrainingProgress(TextWriter output, bool interactive)
{
    private readonly System.Diagnostics.Stopwatch _clock = new();
    private int _start, _total;

    public void Start(int start, int total)
    {
        (_start, _total) = (start, total);
        _clock.Restart();
    }

    public void Update(int step, double loss)
    {
        if (!interactive) return;
        double perStep = _clock.Elapsed.TotalSeconds / Math.Max(1, step - _start);
        var eta = TimeSpan.FromSeconds(perStep * (_total - step));
        int width = 30, filled = (int)(width * (double)step / _total);
        output.Write($"\r[{new string('=', filled)}{new string(' ', width - filled)}] {step}/{_total} loss {loss:F4} eta {eta:hh\\:mm\\:ss}   ");
    }

    public void Log(IReadOnlyDictionary<string, double> metrics)
    {
        if (interactive) output.WriteLine();
        string F(string key) => metrics.TryGetValue(key, out var v) && double.IsFinite(v) ? v.ToString("G4", System.Globalization.CultureInfo.InvariantCulture) : "-";
        output.WriteLine($"step {F("step")}/{_total}  loss {F("loss")}  kl {F("kl")}  margins {F("rewards/margins")}  " +
            $"lr {F("learning_rate")}  grad_norm {F("grad_norm")}  {F("tokens_per_second")} tok/s");
    }

    public void Finish()
    {
        if (interactive) output.WriteLine();
    }
}
