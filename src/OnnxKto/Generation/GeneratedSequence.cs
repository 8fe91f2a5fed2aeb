namespace OnnxKto.Generation;

/// <summary>One finished completion: which prompt and which of its samples, and the new token ids (EOS excluded).</summary>
/// <param name="Prompt">Index of the prompt in the list given to <see cref="TextGenerator"/>.</param>
/// <param name="Sample">Which of the prompt's <see cref="GenerationOptions.NumReturnSequences"/> samples, from 0.</param>
/// <param name="Ids">The generated token ids; a stop string, when one ended it, lies in the last tokens.</param>
public sealed record GeneratedSequence(int Prompt, int Sample, int[] Ids);
