namespace OnnxKto.Training.Loop;

/// <summary>
/// What <see cref="Trainer"/> reports while it runs, for a front end to show: the command line draws a progress bar with
/// an ETA in a terminal and plain lines otherwise. The calls come from the training thread, in the order below.
/// </summary>
public interface ITrainingProgress
{
    /// <summary>Updates <paramref name="start"/> + 1 to <paramref name="total"/> are about to run (<paramref name="start"/> &gt; 0 on resume).</summary>
    void Start(int start, int total);

    /// <summary>Update <paramref name="step"/> (1-based) finished with mean micro-batch loss <paramref name="loss"/>.</summary>
    void Update(int step, double loss);

    /// <summary>A logging step's metrics, as written to <c>metrics.jsonl</c> (<c>step</c>, <c>loss</c>, <c>kl</c>, <c>learning_rate</c>, ...).</summary>
    void Log(IReadOnlyDictionary<string, double> metrics);

    /// <summary>The last update ran.</summary>
    void Finish();
}
