namespace OnnxKto.Cli.Demo;

/// <summary>The demo's prompts in three disjoint sets: training, validation (to choose hyper-parameters) and held-out (to report).</summary>
public sealed record PromptSplit(List<int[]> Train, List<int[]> Validation, List<int[]> HeldOut);
