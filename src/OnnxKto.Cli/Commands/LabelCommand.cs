using System.CommandLine;
using OnnxKto.Data;
using OnnxKto.Data.Labelling;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto label</c>: turn sampled completions into a KTO dataset with a verifier program or a built-in check.</summary>
internal static class LabelCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data", "-d") { Description = "Samples to label, e.g. the output of generate --data (.jsonl, .parquet, .json; folder or glob).", Required = true };
        var output = OutOption.Create<FileInfo>("JSONL file of the rows with a boolean label (written whole or not at all).");
        var verifier = new Option<string?>("--verifier") { Description = "Shell command run once: reads one JSON row per line on stdin, prints one {\"label\": bool} or {\"score\": number} per row on stdout." };
        var threshold = new Option<double?>("--threshold") { Description = "With --verifier replying scores: desirable when score >= threshold." };
        var exact = new Option<string?>("--exact") { Description = "Desirable when the completion equals this column (whitespace trimmed), e.g. --exact answer." };
        var regex = new Option<string?>("--regex") { Description = "Desirable when the completion matches this .NET regular expression." };
        var config = ConfigOptions.File("weights 1 and 1");
        var set = ConfigOptions.Set();
        var command = new Command("label", "Label samples as desirable or not with a verifier; prints the desirable fraction and the desirable/undesirable weight advice.")
        {
            data, output, verifier, threshold, exact, regex, config, set,
        };
        command.SetAction(parse =>
        {
            var check = Verifier(parse.GetValue(verifier), parse.GetValue(threshold), parse.GetValue(exact), parse.GetValue(regex));
            var target = parse.GetValue(output)!;
            var loss = ConfigOptions.Apply(ConfigOptions.Load(parse.GetValue(config)), parse.GetValue(set)).Loss;
            var balance = SampleLabeller.Label(parse.GetValue(data)!, target.FullName, check);
            var weights = loss.WeightsFor(balance);
            int total = balance.Desirable + balance.Undesirable;
            Console.WriteLine($"wrote {target.FullName}: {total} rows, {balance.Desirable} desirable ({(total > 0 ? (double)balance.Desirable / total : 0):P1}), {balance.Undesirable} undesirable");
            Console.WriteLine($"λ_D·n_D/(λ_U·n_U): {balance.WeightedRatio(weights.Desirable, weights.Undesirable):0.###} (advised: 1 to 4/3)");
            if (balance.WeightAdvice(weights.Desirable, weights.Undesirable) is { } advice) Console.WriteLine($"warning: {advice}");
            return 0;
        });
        return command;
    }

    /// <summary>The verifier one of the three choices names (exactly one given; a threshold only with a command).</summary>
    internal static ISampleVerifier Verifier(string? command, double? threshold, string? exact, string? regex)
    {
        int given = (command is null ? 0 : 1) + (exact is null ? 0 : 1) + (regex is null ? 0 : 1);
        if (given != 1)
            throw new UserError("label needs exactly one of --verifier \"CMD\", --exact COLUMN or --regex PATTERN.");
        if (threshold is not null && command is null)
            throw new UserError("--threshold applies to a --verifier that replies with scores.");
        return command is not null ? new VerifierProcess(command, threshold)
            : exact is not null ? new ExactMatchVerifier(exact)
            : new RegexVerifier(regex!);
    }
}
