namespace OnnxKto.Data.ChatTemplates.Jinja;

/// <summary>
/// The template called <c>raise_exception(message)</c>, as templates do to refuse a conversation (for example
/// "Conversation roles must alternate user/assistant/user/assistant/..."); <see cref="JinjaException.Reason"/> is
/// the template's own message, word for word.
/// </summary>
public sealed class JinjaRaisedException(string template, int line, string message) : JinjaException(template, line, message);
