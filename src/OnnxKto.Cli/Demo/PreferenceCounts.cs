namespace OnnxKto.Cli.Demo;

/// <summary>How many rows each of the demo's training sets got from the labelled samples.</summary>
internal sealed record PreferenceCounts(int Samples, int Desirable, int Pairs, int ImbalancedDesirable);
