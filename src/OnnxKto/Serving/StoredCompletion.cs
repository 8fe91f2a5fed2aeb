using OnnxKto.Data;

namespace OnnxKto.Serving;

/// <summary>One served completion as <see cref="FeedbackStore"/> keeps it, with its rating once it has one.</summary>
/// <param name="Id">The response id (<c>chatcmpl-...</c> or <c>cmpl-...</c>).</param>
/// <param name="Choice">The choice's index in the response.</param>
/// <param name="Created">When it was generated (UTC).</param>
/// <param name="Model">The name the client asked for.</param>
/// <param name="Adapter">The adapter file that served it, or null for the base model.</param>
/// <param name="Messages">The request's conversation (chat), or null for a plain prompt.</param>
/// <param name="Prompt">The prompt text the model saw (the conversation rendered with its template).</param>
/// <param name="PromptIds">The prompt's token ids.</param>
/// <param name="Completion">The completion's text, cut before a stop string.</param>
/// <param name="CompletionIds">The generated token ids (EOS excluded).</param>
/// <param name="FinishReason"><c>stop</c> or <c>length</c>.</param>
/// <param name="Settings">The sampling settings as JSON: max_tokens, temperature, top_p, seed, stop.</param>
/// <param name="Label">The rating: true (thumbs up), false (thumbs down), or null when not rated.</param>
/// <param name="Comment">The rater's comment, or null.</param>
/// <param name="RatedAt">When it was last rated (UTC), or null.</param>
public sealed record StoredCompletion(
    string Id, int Choice, DateTime Created, string Model, string? Adapter, IReadOnlyList<ChatMessage>? Messages,
    string Prompt, int[] PromptIds, string Completion, int[] CompletionIds, string FinishReason, string Settings,
    bool? Label = null, string? Comment = null, DateTime? RatedAt = null);
