using System.Text.RegularExpressions;

namespace OnnxKto.Data.Labelling;

/// <summary><c>--regex PATTERN</c>: a sample is desirable when its completion matches the .NET regular expression (anywhere; anchor with ^ and $).</summary>
public sealed class RegexVerifier : ISampleVerifier
{
    private readonly Regex _pattern;

    /// <summary>A check against <paramref name="pattern"/>.</summary>
    /// <exception cref="UserError">The pattern is not a valid regular expression.</exception>
    public RegexVerifier(string pattern)
    {
        try
        {
            _pattern = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new UserError($"--regex '{pattern}' is not a valid regular expression: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<bool> Label(IReadOnlyList<SampleRow> rows) => rows.Select(row => _pattern.IsMatch(row.CompletionText)).ToList();
}
