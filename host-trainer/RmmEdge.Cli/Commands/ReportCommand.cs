using System.CommandLine;
using RmmEdge.Rig;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Reports;

namespace RmmEdge.Cli;

/// <summary>`rmm report MODEL DATA --out report.html`: the HTML report of a trained (and optionally compiled) model.</summary>
internal static class ReportCommand
{
    public static Command Build(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Float model (.rmm.json)" };
        var file = new Argument<string[]>("data") { Description = "Held-out recording(s) to judge the model on: FILE, FILE@SWEEPS, V_FILE+I_FILE; several sweeps or files get a per-sweep section", Arity = ArgumentArity.OneOrMore };
        var output = CommandContext.OutputOption("HTML file to write");
        var compiled = new Option<string?>("--rmmq") { Description = "Compiled model to compare with the float one" };
        var data = new DataArguments();
        var command = new Command("report", "Write a self-contained HTML report: free run vs data, IV curves, synaptic currents, fixed point, budget.\n" +
            "Examples:\n  rmm report stg.rmm.json test.csv --rmmq stg.rmmq --out stg.html\n  rmm report cell.rmm.json steps.abf@12-16 --out cell.html");
        command.Arguments.Add(model);
        command.Arguments.Add(file);
        command.Options.Add(output);
        command.Options.Add(compiled);
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            string modelPath = parsed.GetValue(model)!;
            Network network = ModelFile.Load(modelPath);
            var test = data.Load(parsed, parsed.GetValue(file)!);
            (byte[], int)? fixedPoint = null;
            IReadOnlyList<BudgetResult>? budget = null;
            FidelityReport? fidelity = null;
            if (parsed.GetValue(compiled) is string rmmq)
            {
                (byte[] bytes, RmmEdge.SharedModel.Format.RmmqModel compiledModel) = FixedPointRun.ReadFile(rmmq);
                if (compiledModel.NeuronCount != network.NeuronCount || compiledModel.CurrentCount != network.Currents.Count())
                {
                    throw new UserError($"{rmmq}: {compiledModel.NeuronCount} neurons and {compiledModel.CurrentCount} currents, but {modelPath} has " +
                        $"{network.NeuronCount} and {network.Currents.Count()}: not a compilation of this model");
                }

                fixedPoint = (bytes, compiledModel.WeightBits);
                int warmup = Math.Min(network.WarmupSamples, test.Length / 2);   // as the report and the compiler take it
                fidelity = FixedPointRun.Compare(network, compiledModel, test, warmup);   // the table beside the plot
                string? native = NativeSources.Find();
                if (native is not null && CycleBudget.ToolsAvailable(out _))
                {
                    budget = CycleBudget.MeasureAll(bytes, native);
                }
            }

            var page = new HtmlReport($"RmmEdge report: {Path.GetFileName(modelPath)}");
            ModelReport.AddTo(page, new ReportInputs(Path.GetFileName(modelPath), network, test, FixedPoint: fixedPoint, Fidelity: fidelity, Budget: budget));
            string path = parsed.GetValue(output)!;
            page.Save(path);
            context.Out.WriteLine($"wrote {path} ({page.PlotCount} plots)");
            return Cli.Ok;
        });
        return command;
    }
}
