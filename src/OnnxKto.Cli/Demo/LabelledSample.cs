namespace OnnxKto.Cli.Demo;

/// <summary>A completion the reference sampled for a prompt, and the verifier's verdict on it.</summary>
internal sealed record LabelledSample(string Prompt, string Completion, bool Correct);
