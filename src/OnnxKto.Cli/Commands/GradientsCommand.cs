using System.CommandLine;
using OnnxKto.Autodiff;
using OnnxKto.Graphs;
using OnnxKto.Graphs.Serialization;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto gradients</c>: adds a backward pass to any ONNX model built from supported operators.</summary>
internal static class GradientsCommand
{
    public static Command Create()
    {
        var model = new Option<FileInfo>("--model", "-m") { Description = "Forward ONNX model.", Required = true };
        var loss = new Option<string>("--loss") { Description = "Name of the scalar value to differentiate.", Required = true };
        var wrt = new Option<string[]>("--wrt")
        {
            Description = "Inputs or initializers to differentiate with respect to (repeat or comma-separate).",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var stop = new Option<string[]>("--stop") { Description = "Values no gradient flows through.", AllowMultipleArgumentsPerToken = true };
        var output = OutOption.Create<FileInfo>("Where to write the model with <name>_grad outputs.");

        var command = new Command("gradients", "Differentiate an ONNX model: writes a copy that also outputs <name>_grad for each --wrt.")
        {
            model, loss, wrt, stop, output,
        };
        command.SetAction(parse =>
        {
            var source = parse.GetValue(model)!;
            if (!source.Exists) throw new FileNotFoundException($"Model file '{source.FullName}' does not exist.");
            static IEnumerable<string> Split(string[]? values) =>
                (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            var forward = OnnxModelFile.Load(source.FullName);
            // Names are the command line's business; the graph API takes values.
            static string Names(IReadOnlyList<Value> values) =>
                string.Join(", ", values.Take(8).Select(v => v.Name)) + (values.Count > 8 ? ", ..." : "");
            Value Find(string option, string name) => forward.Contains(name)
                ? forward[name]
                : throw new UserError($"{option} '{name}': model '{source.FullName}' has no value of that name " +
                    $"(inputs: {Names(forward.Inputs)}; outputs: {Names(forward.Outputs)}).");
            var wanted = Split(parse.GetValue(wrt)).Select(n => Find("--wrt", n)).ToList();
            foreach (var w in wanted.Where(w => !w.Type.IsFloating()))
                throw new UserError($"--wrt '{w.Name}': its type {w.Type} is not floating point, so it has no gradient.");
            var backward = ReverseModeAutodiff.Gradients(forward, Find("--loss", parse.GetValue(loss)!),
                wanted, Split(parse.GetValue(stop)).Select(n => Find("--stop", n)));
            var target = parse.GetValue(output)!;
            OnnxModelFile.Save(backward, target.FullName);
            Console.WriteLine($"wrote {target.FullName}: {backward.Nodes.Count - forward.Nodes.Count} backward nodes, outputs {string.Join(", ", backward.Outputs.Select(o => o.Name))}");
            return 0;
        });
        return command;
    }
}
