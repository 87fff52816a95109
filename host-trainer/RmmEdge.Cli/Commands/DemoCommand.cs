using System.CommandLine;
using System.Diagnostics;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Reports;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm demo`: the whole path on a fresh machine with no data files. Simulates the bursting STG neuron
/// and a half-centre oscillator with the built-in conductance-based simulator, trains an RMM of each,
/// compiles them to 16-bit fixed point, runs the fixed-point kernel against held-out data, measures
/// the Cortex-M budget when the cross tools are installed, and writes one HTML report.
/// </summary>
internal static class DemoCommand
{
    /// <summary>Sizes of a run: the full demo, or a quick one for smoke tests.</summary>
    private sealed record Plan(double TrainSeconds, double TestSeconds, int Epochs);

    public static Command Build(CommandContext context)
    {
        var output = new Option<string>("--out") { Description = "Directory for data, models and the report", DefaultValueFactory = _ => "rmm-demo" };
        var quick = new Option<bool>("--quick") { Description = "A small, fast run that checks the pipeline (not a good model)" };
        var command = new Command("demo", "Simulate, train, compile, check and report, from nothing (about 2-3 minutes on 2 cores).\nExample: rmm demo --out demo");
        command.Options.Add(output);
        command.Options.Add(quick);
        command.SetAction(parsed =>
        {
            var plan = parsed.GetValue(quick) ? new Plan(10, 6, 4) : new Plan(40, 20, 120);
            string dir = Path.GetFullPath(parsed.GetValue(output)!);
            Directory.CreateDirectory(dir);
            var clock = Stopwatch.StartNew();
            var page = new HtmlReport("RmmEdge demo: an STG neuron and a half-centre oscillator, from simulation to fixed point");
            page.Text("Recordings simulated by the built-in conductance-based simulator (Prinz neuron A; two such cells with graded " +
                "inhibitory synapses), injected with OU noise and steps. Each model is trained on one recording and judged by free run on another.", note: true);
            string? native = NativeSources.Find();
            foreach ((string system, string name, string network) in new[] { ("stg", "STG neuron A", "single"), ("hco", "Half-centre oscillator", "pair") })
            {
                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: simulating {plan.TrainSeconds} s + {plan.TestSeconds} s ...");
                Dataset train = BuiltInData.Simulate(system, plan.TrainSeconds, seed: 1);
                Dataset test = BuiltInData.Simulate(system, plan.TestSeconds, seed: 2);
                CsvRecordingWriter.Write(train, Path.Combine(dir, $"{system}-train.csv.gz"));
                CsvRecordingWriter.Write(test, Path.Combine(dir, $"{system}-test.csv.gz"));

                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: training ({plan.Epochs} teacher-forcing epochs) ...");
                var config = new TrainingConfig { Network = network, TeacherForcing = new TeacherForcingOptions { Epochs = plan.Epochs } };
                PipelineResult trained = ProgressView.Run(context, [("teacher forcing", plan.Epochs)], progress => TrainingPipeline.Run(config, train, progress));
                string modelPath = Path.Combine(dir, $"{system}.rmm.json");
                ModelFile.Save(trained.Network, modelPath, new Dictionary<string, string> { ["data"] = train.Source, ["config"] = config.ToJson() });

                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: compiling to 16-bit fixed point and checking it ...");
                ModelCompiler.Result compiled = ModelCompiler.CompileToFile(trained.Network, 16, Path.Combine(dir, $"{system}.rmmq"), test, native);
                context.Out.Write(compiled.ReportText);
                ModelReport.AddTo(page, new ReportInputs(name, trained.Network, test, trained.TeacherForcing, trained.MultipleShooting,
                    (File.ReadAllBytes(compiled.ModelPath), 16), compiled.Fidelity, compiled.Budget));
            }

            page.Heading("Closed loop on an emulated board");
            page.Text("The hybrid-circuit emulation (the firmware against a virtual board and a simulated cell) is not part of this version yet.", note: true);
            string reportPath = Path.Combine(dir, "report.html");
            page.Save(reportPath);
            context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] report: {reportPath}");
            return Cli.Ok;
        });
        return command;
    }
}
