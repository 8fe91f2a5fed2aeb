namespace OnnxKto;

/// <summary>
/// A mistake in what the user gave (an option, a config value, a combination of the two, artifacts that do not fit the
/// config, data that cannot be used as asked) rather than a bug: the command line prints its message, and the
/// <see cref="Hint"/> when there is one, without a stack trace. The message quotes the offending value and says how to fix it.
/// </summary>
/// <remarks>
/// It derives from <see cref="ArgumentException"/> because the wrong thing is always one of the program's arguments in the
/// wide sense (options, config, data); it never sets <see cref="ArgumentException.ParamName"/>, so the message stays as written.
/// Bad file contents stay <see cref="InvalidDataException"/>, missing files <see cref="FileNotFoundException"/>.
/// </remarks>
public class UserError : ArgumentException
{
    /// <summary>A user error with a message that names the bad value and the fix.</summary>
    /// <param name="message">For example <c>Unknown device 'tpu'. Use 'cpu', 'cuda' or 'cuda:N'.</c></param>
    /// <param name="hint">An extra line with a way forward, e.g. the command to run; null when the message says it all.</param>
    public UserError(string message, string? hint = null) : base(message) => Hint = hint;

    /// <summary>A way forward printed on its own line after the message (e.g. <c>hint: onnx-kto data inspect FILE</c>), or null.</summary>
    public string? Hint { get; }
}
