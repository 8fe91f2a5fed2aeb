using OnnxKto.Data;

namespace OnnxKto.Cli.Demo;

/// <summary>
/// The demo's task, with an answer a program can check: add one to each digit (9 wraps to 0).
/// Prompt <c>"3 9 1 +1 ="</c>, correct completion <c>" 4 0 2"</c>.
/// </summary>
public static class AddOneTask
{
    public const int Digits = 3;

    /// <summary>The column of the prompt files that holds the correct completion, which <c>online</c>'s <c>exact:</c> compares with.</summary>
    public const string AnswerColumn = "answer";

    public static string Prompt(int[] digits) => string.Join(" ", digits) + " +1 =";

    public static string Correct(int[] digits) => " " + string.Join(" ", digits.Select(d => (d + 1) % 10));

    /// <summary>The digits a prompt asks about, or null when it is not a prompt of this task.</summary>
    public static int[]? Parse(string prompt)
    {
        var parts = prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != Digits + 2 || parts[^2] != "+1" || parts[^1] != "=") return null;
        var digits = parts[..Digits].Select(p => p.Length == 1 && char.IsAsciiDigit(p[0]) ? p[0] - '0' : -1).ToArray();
        return digits.All(d => d >= 0) ? digits : null;
    }

    /// <summary>
    /// The verifier: the binary signal KTO learns from. Trailing EOS text and surrounding spaces are ignored, as
    /// <c>label --exact answer</c> ignores them on the prompt files <see cref="WritePrompts"/> writes.
    /// </summary>
    public static bool IsCorrect(string prompt, string completion, string eosText)
    {
        var digits = Parse(prompt) ?? throw new ArgumentException($"'{prompt}' is not an add-one prompt.");
        var text = completion.EndsWith(eosText, StringComparison.Ordinal) ? completion[..^eosText.Length] : completion;
        return text.Trim() == Correct(digits).Trim();
    }

    /// <summary>A prompts file for <c>generate --data</c> and <c>online</c>: one <c>{"prompt", "answer"}</c> line per prompt.</summary>
    public static void WritePrompts(string path, IEnumerable<int[]> prompts)
    {
        using var lines = JsonLinesWriter.Create(path);
        foreach (var digits in prompts)
            lines.WriteObject(json =>
            {
                json.WriteString("prompt", Prompt(digits));
                json.WriteString(AnswerColumn, Correct(digits));
            });
    }

    /// <summary>
    /// All 10^Digits prompts, shuffled with <paramref name="seed"/> and split into held-out (test), validation and
    /// training sets, disjoint. Validation picks each method's learning rate; held-out is only ever reported.
    /// </summary>
    public static PromptSplit Split(int heldOut, int validation, int seed)
    {
        var all = Enumerable.Range(0, (int)Math.Pow(10, Digits))
            .Select(n => Enumerable.Range(0, Digits).Select(i => n / (int)Math.Pow(10, Digits - 1 - i) % 10).ToArray()).ToArray();
        new Random(seed).Shuffle(all);
        return new PromptSplit(all.Skip(heldOut + validation).ToList(), all.Skip(heldOut).Take(validation).ToList(), all.Take(heldOut).ToList());
    }

    /// <summary>
    /// Noisy supervised data: a sloppy teacher who, when the first digit is odd, usually forgets to add one
    /// (copies the digits), and now and then does so elsewhere too. A model fine-tuned on it is competent but unreliable.
    /// </summary>
    public static IEnumerable<(string Prompt, string Completion)> NoisyDemonstrations(IReadOnlyList<int[]> prompts, int count,
        double sloppyWhenOdd, double sloppyOtherwise, int seed)
    {
        var rng = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            var digits = prompts[rng.Next(prompts.Count)];
            double sloppy = digits[0] % 2 == 1 ? sloppyWhenOdd : sloppyOtherwise;
            yield return (Prompt(digits), rng.NextDouble() < sloppy ? " " + string.Join(" ", digits) : Correct(digits));
        }
    }
}
