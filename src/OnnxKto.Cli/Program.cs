using OnnxKto.Cli.Commands;

return CommandRunner.Invoke(OnnxKtoCommand.Create(), args);
