using System.CommandLine;
using System.Diagnostics;
using RmmEdge.Emulator;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Reports;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm demo`: the whole path on a fresh machine with no data files. Simulates the bursting STG neuron
/// and a half-centre oscillator with the built-in conductance-based simulator, trains an RMM of each,
/// compiles them to 16-bit fixed point, runs the fixed-point kernel against held-out data, measures
/// the Cortex-M budget when the cross tools are installed, and writes one HTML report. With the cross
/// tools, every network is first sized for the board the demo emulates (<see cref="Board"/>), so that
/// each model it compiles, and the hybrid model it runs there, holds the step rate on that board.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The board the demo sizes its models for and emulates (native engine).</summary>
    private const string Board = "stm32f769i-discovery";

    /// <summary>Sizes of a run: the full demo, or a quick one for smoke tests.</summary>
    /// <param name="SeedAttempts">Seeds tried per model when the kept model is not fit for its part (TrainingPipeline.RunUntilAccepted).</param>
    private sealed record Plan(Part Neuron, Part HalfCentre, double TestSeconds, double EmulateSeconds, int SeedAttempts);

    /// <summary>One system of the demo: what is simulated, how it is recorded, and how it is trained.</summary>
    /// <param name="RestProbability">Fraction of rest steps in the stimulus (BuiltInData.Simulate).</param>
    private sealed record Part(string System, string Name, string Network, double TrainSeconds, double RestProbability, TeacherForcingOptions Options);

    /// <summary>
    /// The single neuron becomes the model neuron of the hybrid circuit, so it is recorded with rest
    /// steps and fitted with slope weights, as HybridCircuitTests does: the model must burst on its own,
    /// as the cell does (60 s, 120 epochs: that test's hybrid runs within 5% of the simulated half-centre).
    /// </summary>
    private static Part NeuronPart(double seconds, int epochs) => new("stg", "STG neuron A", "single", seconds, BuiltInData.RhythmRestProbability,
        new TeacherForcingOptions { Epochs = epochs, SlopeWeightScale = 10, InputNoise = 0.02f });

    /// <summary>The half-centre is recorded and fitted the same way, so the pair keeps the circuit's own rhythm.</summary>
    private static Part HalfCentrePart(double seconds, int epochs) => new("hco", "Half-centre oscillator", "pair", seconds, BuiltInData.RhythmRestProbability,
        new TeacherForcingOptions { Epochs = epochs, SlopeWeightScale = 10, InputNoise = 0.02f });

    /// <summary>
    /// A part's recordings (train, test; also written to the output directory) and its configuration: sized for the
    /// board when the cross tools are here, and with what the cell does at 0 nA to check the model against.
    /// </summary>
    private sealed record Prepared(Dataset Train, Dataset Test, TrainingConfig Config, SizingResult? Sizing);

    private static Prepared Prepare(Part part, Plan plan, string dir, string? native)
    {
        Func<Circuit> circuit = part.System == "stg" ? () => Circuit.SingleStg() : () => Circuit.HalfCentre();
        var config = new TrainingConfig { Network = part.Network, TeacherForcing = part.Options };
        // Sizing needs only the step and the neuron count, so it runs while the recordings are simulated.
        Task<(TrainingConfig Config, SizingResult Sizing)>? sizing = native is null || !CycleBudget.ToolsAvailable(out _)
            ? null
            : Task.Run(() => BoardTargeting.Fit(config, BoardTarget.Parse(Board, "the demo's board"), BuiltInData.DtMs, circuit().NeuronCount, native));
        // What the cell does at 0 nA (it bursts): selection prefers snapshots that do the same, and a
        // seed whose model does not gets another try (the hybrid circuit needs a neuron that bursts when released).
        // A cell of its own, simulated beside the recordings.
        Task<ConstantCurrentCheck> checking = Task.Run(() => ConstantCurrentCheck.OfCircuit(circuit, 0, BuiltInData.DtMs));
        Task<Dataset> simulatingTest = Task.Run(() => BuiltInData.Simulate(part.System, plan.TestSeconds, seed: 2, part.RestProbability));
        Dataset train = BuiltInData.Simulate(part.System, part.TrainSeconds, seed: 1, part.RestProbability);
        Task writingTrain = Task.Run(() => CsvRecordingWriter.Write(train, Path.Combine(dir, $"{part.System}-train.csv.gz")));
        Dataset test = simulatingTest.GetAwaiter().GetResult();
        CsvRecordingWriter.Write(test, Path.Combine(dir, $"{part.System}-test.csv.gz"));
        writingTrain.GetAwaiter().GetResult();
        ConstantCurrentCheck check = checking.GetAwaiter().GetResult();
        TrainingConfig WithCheck(TrainingConfig c) => c with { TeacherForcing = c.TeacherForcing with { ConstantCurrentCheck = check } };
        if (sizing is null)
        {
            return new Prepared(train, test, WithCheck(config), null);
        }

        (TrainingConfig sized, SizingResult result) = sizing.GetAwaiter().GetResult();
        return new Prepared(train, test, WithCheck(sized), result);
    }

    public static Command Build(CommandContext context)
    {
        var output = new Option<string>("--out") { Description = "Directory for data, models and the report", DefaultValueFactory = _ => "rmm-demo" };
        var quick = new Option<bool>("--quick") { Description = "A small, fast run that checks the pipeline (not a good model)" };
        var command = new Command("demo", "Simulate, train, compile, check and report, from nothing (about a minute on 2 cores).\nExample: rmm demo --out demo");
        command.Options.Add(output);
        command.Options.Add(quick);
        command.SetAction(parsed =>
        {
            var plan = parsed.GetValue(quick)
                ? new Plan(NeuronPart(10, 4), HalfCentrePart(10, 4), 6, 1, 1)
                : new Plan(NeuronPart(60, 120), HalfCentrePart(40, 100), 20, 10, 3);
            Task<HybridResult>? hybrid = null;
            string dir = Path.GetFullPath(parsed.GetValue(output)!);
            Directory.CreateDirectory(dir);
            var clock = Stopwatch.StartNew();
            var page = new HtmlReport("RmmEdge demo: an STG neuron and a half-centre oscillator, from simulation to fixed point");
            page.Text("Recordings simulated by the built-in conductance-based simulator (Prinz neuron A; two such cells with graded " +
                "inhibitory synapses), injected with OU noise and steps; 30% of the steps rest at 0 nA without noise, so that the models keep the cells' " +
                "own rhythm (the neuron model also runs in the hybrid circuit at the end). Each model is trained on one recording and judged by free run on another.", note: true);
            string? native = NativeSources.Find();
            Part[] parts = [plan.Neuron, plan.HalfCentre];
            // A part's recordings and its sizing for the board wait for no training, so the next part is prepared
            // while this one trains; and the reference half-centre that designs the hybrid's synapses (about 5 s
            // of simulation, SynapseFit.HalfCentreTrace) is simulated at once. Alone, each would leave a core idle.
            var preparing = new Task<Prepared>[parts.Length];
            preparing[0] = Task.Run(() => Prepare(parts[0], plan, dir, native));
            Task referenceHalfCentre = Task.Run(() => SynapseFit.HalfCentreTrace(HybridCircuit.Design, BuiltInData.DtMs));
            for (int index = 0; index < parts.Length; index++)
            {
                Part part = parts[index];
                string system = part.System, name = part.Name;
                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: simulating {part.TrainSeconds} s + {plan.TestSeconds} s" +
                    (index > 0 ? " (begun beside the previous training)" : "") + " and sizing it for the board ...");
                (Dataset train, Dataset test, TrainingConfig config, SizingResult? sizing) = preparing[index].GetAwaiter().GetResult();
                if (index + 1 < parts.Length)
                {
                    Part next = parts[index + 1];
                    preparing[index + 1] = Task.Run(() => Prepare(next, plan, dir, native));
                }

                int epochs = part.Options.Epochs;
                if (sizing is not null)
                {
                    SizedNetwork chosen = sizing.Chosen!;
                    context.Out.WriteLine($"         {name}: {chosen.Shape}, {chosen.Bits}-bit fits {Board} at {sizing.RateHz:N0} Hz: {chosen.Fit.Verdict}" +
                        (sizing.Shrunk ? $" (the default {sizing.Configured.Shape} would take {sizing.Configured.Fit.Load:P0})" : "") +
                        " (each shape compiled and measured on the emulated core)");
                }
                else
                {
                    context.Out.WriteLine($"         {name}: not sized for {Board} (no C kernel sources or cross tools: {CycleBudget.Packages})");
                }

                ConstantCurrentCheck check = config.TeacherForcing.ConstantCurrentCheck!;
                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: training ({epochs} teacher-forcing epochs; the cell at {check}) ...");
                Func<Network, Acceptance> accept = system == "stg"
                    ? network => HybridOnBoard.Accept(network, check, BoardProfile.Load(Board), plan.EmulateSeconds)
                    : network => Acceptance.AtRest(network, check);
                PipelineResult trained = ProgressView.Run(context, [("teacher forcing", epochs)], progress => TrainingPipeline.RunUntilAccepted(config, train,
                    plan.SeedAttempts, accept, progress, (seed, run, verdict) => context.Out.WriteLine(
                        $"         {name}, seed {seed}: validation {TrainingPipeline.Validation(run):0.000} (trained in {run.TeacherForcing.Timing}); " +
                        $"{verdict.Text}{(verdict.Accepted ? "" : " (not kept)")}")));
                string modelPath = Path.Combine(dir, $"{system}.rmm.json");
                ModelFile.Save(trained.Network, modelPath, new Dictionary<string, string> { ["data"] = train.Source, ["config"] = config.ToJson() });

                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {name}: compiling to 16-bit fixed point and checking it ...");
                ModelCompiler.Result compiled = ProgressView.RunFraction(context, "compiling and checking",
                    progress => ModelCompiler.CompileToFile(trained.Network, 16, Path.Combine(dir, $"{system}.rmmq"), test, native, progress));
                context.Out.Write(compiled.ReportText);
                ModelReport.AddTo(page, new ReportInputs(name, trained.Network, test, trained.TeacherForcing, trained.MultipleShooting,
                    (File.ReadAllBytes(compiled.ModelPath), 16), compiled.Fidelity, compiled.Budget, system == "stg" ? Circuit.SingleStg : null));
                if (part == plan.Neuron)
                {
                    // The hybrid needs only this neuron (and the reference half-centre): it runs while the next part trains.
                    Network neuron = trained.Network;
                    hybrid = Task.Run(() =>
                    {
                        referenceHalfCentre.GetAwaiter().GetResult();
                        return RunHybrid(neuron, plan.EmulateSeconds, native);
                    });
                }
            }

            context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] hybrid circuit: the STG neuron model and designed synapses on an emulated STM32F769I-DISCOVERY, a simulated STG cell on its amplifier, {plan.EmulateSeconds} s (run beside the half-centre's training) ...");
            AddHybrid(page, hybrid!.GetAwaiter().GetResult(), dir, context);
            string reportPath = Path.Combine(dir, "report.html");
            page.Save(reportPath);
            context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] report: {reportPath}");
            return Cli.Ok;
        });
        return command;
    }

    /// <summary>The hybrid's emulated run, with the line that says how its step time was found.</summary>
    private sealed record HybridResult(HybridRun Run, string BudgetLine, double DtMs);

    /// <summary>
    /// The hybrid circuit: the trained STG neuron model runs on the board, a simulated STG cell sits on
    /// the amplifier, and the two are coupled both ways by model synapses designed as the reference
    /// half-centre's graded synapses (30 nS, −80 mV; SynapseFit). Emulated with the native engine in
    /// virtual time; the report shows both neurons, the injected current and the loop's timing.
    /// </summary>
    private static HybridResult RunHybrid(Network neuron, double seconds, string? native)
    {
        BoardProfile board = BoardProfile.Load(Board);
        double rateHz = 1000 / neuron.DtMs;
        // The board's step time in the emulation: measured on its core when the cross tools are here, else the profile's order of magnitude.
        byte[] compiled = Quantizer.Compile(HybridCircuit.Build(neuron), 16, out _);
        double stepUs = 60;
        string budgetLine = $"hybrid model: step cost not measured (no C kernel sources or cross tools); emulated as {stepUs:0} µs";
        if (native is not null && CycleBudget.ToolsAvailable(out _))
        {
            BudgetResult budget = CycleBudget.Measure(compiled, EmulatedCore.For(board.Core)!, native);
            BoardFit fit = BoardFit.Native(board, budget, rateHz);
            if (fit.Holds != true)
            {
                throw new UserError($"the hybrid model does not hold {rateHz:N0} Hz on {Board}: {fit.Verdict}; the demo does not run a model its board cannot hold");
            }

            stepUs = budget.CyclesPerStep / board.ClockMhz;
            budgetLine = $"hybrid model on {Board}: {budget}; {fit.Verdict}";
        }

        return new HybridResult(HybridOnBoard.Run(compiled, neuron.DtMs, board, seconds, stepUs), budgetLine, neuron.DtMs);
    }

    /// <summary>The hybrid's run in the console, its files (hybrid.rmmq, hybrid.csv) and its section of the report.</summary>
    private static void AddHybrid(HtmlReport page, HybridResult hybrid, string dir, CommandContext context)
    {
        (HybridRun hybridRun, string budgetLine, double dt) = hybrid;
        context.Out.WriteLine($"         {budgetLine}");
        File.WriteAllBytes(Path.Combine(dir, "hybrid.rmmq"), hybridRun.Model);
        EmulationResult result = hybridRun.Result;
        CellPreparation cell = hybridRun.Cell;
        RunConfiguration run = hybridRun.Run;
        result.Save(Path.Combine(dir, "hybrid.csv"));
        context.Out.WriteLine($"         {result.Summary}");

        page.Heading("Closed loop on an emulated board: a hybrid half-centre circuit");
        page.Text("The firmware's loop (LoopCore, the calibrated ADC and DAC classes) on a virtual STM32F769I-DISCOVERY with the native engine at " +
            $"{1e6 / run.PeriodUs:0} Hz ({budgetLine}): the ADC reads a simulated STG neuron through the amplifier model; the board steps the STG neuron model " +
            "and model synapses both ways (designed as the half-centre's graded synapses), and injects the synapse's current into the cell (clipped to ±3 nA). " +
            "Virtual time: deterministic, faster than real time.", note: true);
        page.Table(["steps", "overruns", "cycle time", "longest cycle", "stop", "DAC codes", "out-of-range / wrapped writes"],
        [[
            $"{result.Status.Step:N0}", $"{result.Status.Overruns}", $"{result.Status.CycleUs} µs of {run.PeriodUs} µs", $"{result.Status.MaxCycleUs} µs",
            StopReason.Name(result.Status.Reason), $"{result.Writes.Min(w => w.Code)}…{result.Writes.Max(w => w.Code)}", $"{result.OutOfRangeWrites} / {result.WrappedWrites}",
        ]]);
        int window = (int)Math.Min(4000 / dt, result.ModelVoltages![0].Length);
        int start = result.ModelVoltages[0].Length - window;
        double[] time = Enumerable.Range(start, window).Select(k => (k + 1) * dt / 1000).ToArray();
        double[] cellV = cell.Samples.Skip(start).Take(window).Select(s => s[0]).ToArray();
        page.Plot(new SvgPlot("Hybrid circuit: the simulated cell and the model neuron on the board (last 4 s)", "time (s)", "V (mV)")
            .Add("cell (simulated STG neuron)", time[..cellV.Length], cellV, "#444")
            .Add("model neuron (on the board)", time, result.ModelVoltages[0].Skip(start).Take(window).Select(v => (double)v).ToArray(), "#1f77b4"));
        page.Plot(new SvgPlot("Current the board injects into the cell (model synapse)", "time (s)", "I (nA)")
            .Add("injected", time, result.Writes.Skip(start).Take(window).Select(w => w.Output).ToArray(), "#d62728"));
        int[] intervals = result.OutputIntervalsUs;
        if (intervals.Length > 0)
        {
            // The loop's timing as the amplifier sees it: intervals between DAC updates in 1 µs bins, drawn as
            // bar outlines standing on 0.5 on a log scale, so that a handful of late cycles among 100,000 shows.
            const double floor = 0.5;
            var edges = new List<double>();
            var heights = new List<double>();
            foreach (IGrouping<int, int> bin in intervals.GroupBy(i => i).OrderBy(g => g.Key))
            {
                edges.AddRange([bin.Key - 0.4, bin.Key - 0.4, bin.Key + 0.4, bin.Key + 0.4]);
                heights.AddRange([floor, bin.Count(), bin.Count(), floor]);
            }

            page.Plot(new SvgPlot($"Loop timing: interval between DAC updates ({intervals.Length:N0} intervals, {result.Status.Overruns} overruns)", "interval (µs)", "count")
            {
                LogY = true,
            }.Add("intervals", edges.ToArray(), heights.ToArray(), "#2ca02c"));
        }

        // Judge the circuit after it has settled: the model and the cell start from rest, out of phase.
        int settled = Math.Min((int)(2000 / dt), result.ModelVoltages[0].Length / 2);
        float[] cellTrace = cell.Samples.Skip(settled).Select(s => (float)s[0]).ToArray(), modelTrace = result.ModelVoltages[0][settled..];
        ActivitySummary cellActivity = ActivitySummary.Classify(cellTrace, dt), modelActivity = ActivitySummary.Classify(modelTrace, dt);
        if (cellActivity.Kind == FiringPattern.Bursting && modelActivity.Kind == FiringPattern.Bursting)
        {
            double[] cellSpikes = Spikes.Detect(cellTrace, dt), modelSpikes = Spikes.Detect(modelTrace, dt);
            double gap = BurstAnalysis.DefaultGapMs(cellSpikes);
            BurstStats c = BurstAnalysis.Analyse(cellSpikes, gap), m = BurstAnalysis.Analyse(modelSpikes, gap);
            // The synapses' design trace is the spontaneous half-centre of two simulated cells: what the hybrid stands in for.
            BurstStats reference = BurstAnalysis.Analyse(Spikes.Detect(SynapseFit.HalfCentreTrace(HybridCircuit.Design, dt), dt), gap);
            page.Text($"Burst period: cell {c.PeriodMs:0} ms, model neuron {m.PeriodMs:0} ms; phase of the model's bursts in the cell's cycle " +
                $"{BurstAnalysis.Phase(c.Onsets, m.Onsets)} (circular mean, 0.5 = anti-phase; R = resultant length). The half-centre of two simulated cells with the graded synapses " +
                $"bursts every {reference.PeriodMs:0} ms: the hybrid is {c.PeriodMs / reference.PeriodMs - 1:+0.0%;-0.0%;+0.0%} off.", note: true);
        }
        else
        {
            // Say plainly when the circuit did not oscillate, and where to look for the reason.
            page.Text($"The circuit did not settle into alternating bursts: cell {cellActivity}, model neuron {modelActivity}. " +
                "A half-centre needs each neuron to burst once released from inhibition; see the model's response to constant current above.", note: true);
        }
    }
}
