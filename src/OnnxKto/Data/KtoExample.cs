namespace OnnxKto.Data;

/// <summary>
/// One unpaired KTO row as read from a file: a prompt, a completion and whether the completion is desirable. The prompt
/// and completion are text (<see cref="TextExample"/>), chat messages (<see cref="ConversationExample"/>) or token ids
/// (<see cref="TokenIdsExample"/>).
/// </summary>
/// <param name="Label">True for a desirable completion, false for an undesirable one.</param>
/// <param name="Origin">The file and row it came from, quoted by errors found later (e.g. while tokenizing).</param>
public abstract record KtoExample(bool Label, RowLocation Origin);
