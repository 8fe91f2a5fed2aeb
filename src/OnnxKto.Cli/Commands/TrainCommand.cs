using System.CommandLine;
using OnnxKto.Cli.Terminal;
using OnnxKto.Training.Artifacts;
using OnnxKto.Training.Loop;

namespace OnnxKto.Cli.Commands;

/// <summary><c>onnx-kto train</c>: runs KTO (or SFT) training on generated artifacts.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var artifacts = new Option<DirectoryInfo>("--artifacts", "-a") { Description = "Folder written by 'onnx-kto artifacts'.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Training data: .parquet, .jsonl, .json, a folder or a glob of shards.", Required = true };
        var evalData = new Option<string?>("--eval-data") { Description = "Eval data, evaluated every eval_steps updates." };
        var config = ConfigOptions.File("the artifacts' config");
        var set = ConfigOptions.Set();
        var output = OutOption.Create<DirectoryInfo>("Run folder: metrics.jsonl, checkpoint-<step>/.");
        var device = new Option<string>("--device") { Description = "cpu (default) or cuda[:N].", DefaultValueFactory = _ => "cpu" };
        var tf32 = new Option<bool>("--tf32") { Description = "CUDA: allow TF32 matrix products (faster; off keeps parity with CPU)." };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Start over, deleting the run in --out." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip invalid data rows (and count them) instead of stopping (skip_invalid: true)." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (default: all cores)." };
        var memoryLimit = new Option<double?>("--memory-limit") { Description = "GiB the run may plan for (default: the memory available); a larger plan is refused before training." };
        var command = new Command("train", "Train on KTO artifacts: precomputes reference log-probs, logs TRL metrics, checkpoints, resumes exactly.")
        {
            artifacts, data, evalData, config, set, output, device, tf32, resume, overwrite, skipInvalid, threads, memoryLimit,
        };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(artifacts)!.FullName;
            var configFile = parse.GetValue(config);
            var kto = ConfigOptions.Apply(configFile is null ? ArtifactManifest.Load(folder).Config : ConfigOptions.Load(configFile),
                parse.GetValue(set));
            if (parse.GetValue(skipInvalid)) kto = kto with { Data = kto.Data with { SkipInvalid = true } };
            var options = new TrainOptions
            {
                Artifacts = folder, Data = parse.GetValue(data)!, EvalData = parse.GetValue(evalData), Output = parse.GetValue(output)!.FullName,
                Config = kto, Resume = parse.GetValue(resume), Overwrite = parse.GetValue(overwrite),
                Threads = parse.GetValue(threads), Device = parse.GetValue(device)!, Tf32 = parse.GetValue(tf32),
                MemoryLimitBytes = parse.GetValue(memoryLimit) is double gib ? (long)(gib * (1L << 30)) : null,
            };
            TrainingConsole.Run(console => new Trainer(options, console.WriteLine, console).Run());
            return 0;
        });
        return command;
    }
}
