using System.CommandLine;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Cli;

/// <summary>`rmm compile MODEL --out FILE.rmmq`: quantize to fixed point; print size, cost, fidelity and budget.</summary>
internal static class CompileCommand
{
    public static Command Build(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Float model (.rmm.json)" };
        var output = CommandContext.OutputOption(".rmmq file to write (and its report beside it, FILE.report.txt)");
        var bits = new Option<int>("--bits") { Description = "Weight precision: 16 (default) or 8", DefaultValueFactory = _ => 16 };
        var heldOut = new Option<string?>("--held-out") { Description = "Recording to measure fixed-point vs float fidelity on" };
        bits.AcceptOnlyFromAmong("16", "8");
        var data = new DataArguments();
        var command = new Command("compile", "Compile a float model to a fixed-point .rmmq file for the board.\n" +
            "Example: rmm compile stg.rmm.json --out stg.rmmq --held-out test.csv");
        command.Arguments.Add(model);
        foreach (Option o in new Option[] { output, bits, heldOut }) { command.Options.Add(o); }
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            Network network = ModelFile.Load(parsed.GetValue(model)!);
            Dataset? test = parsed.GetValue(heldOut) is string h ? data.Load(parsed, h) : null;
            ModelCompiler.Result result = ProgressView.RunFraction(context, "compiling and checking",
                progress => ModelCompiler.CompileToFile(network, parsed.GetValue(bits), parsed.GetValue(output)!, test, NativeSources.Find(), progress));
            context.Out.Write(result.ReportText);
            context.Out.WriteLine($"wrote {result.ModelPath} and {result.ReportPath}");
            return Cli.Ok;
        });
        return command;
    }
}
