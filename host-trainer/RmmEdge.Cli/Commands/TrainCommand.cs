using System.CommandLine;
using RmmEdge.Rig;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Sweeps;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>`rmm train DATA --out MODEL`: teacher forcing (then multiple shooting if asked) from a configuration.</summary>
internal static class TrainCommand
{
    public static Command Build(CommandContext context)
    {
        var file = new Argument<string[]>("data")
        {
            Description = "Training recording(s): FILE, FILE@SWEEPS or V_FILE+I_FILE (V and I per neuron). One record: its last 10% is held out for selection; " +
                "three or more sweeps: 10% of the sweeps, spread over the record",
            Arity = ArgumentArity.OneOrMore,
        };
        var warmup = CommandContext.WarmupOption();
        var output = CommandContext.OutputOption("Float model to write (.rmm.json)");
        var config = new Option<string?>("--config") { Description = "Training configuration (JSON; see TrainingConfig). Options below override it" };
        var network = new Option<string?>("--network") { Description = "single, pair, pair-activity (the pair with each cell's spike-activity current), pair-external, single-activity (spike-activity bank, compiles to .rmmq version 2) or single-mechanistic (K, Ca, H and KCa gating currents beside a fast lumped one)" };
        var epochs = new Option<int?>("--epochs") { Description = "Teacher-forcing epochs (default 200)" };
        var msEpochs = new Option<int?>("--ms-epochs") { Description = "Multiple-shooting epochs after teacher forcing (default: none)" };
        var gamma = new Option<float?>("--gamma") { Description = "Generalized teacher forcing γ inside shots (0 = free run)" };
        var seed = new Option<int?>("--seed") { Description = "Seed (initialisation, shuffling, noise)" };
        var seeds = new Option<string?>("--seeds")
        {
            Description = "Train once per seed (e.g. 1-4) and keep the model with the highest validation score (the held-out selection score, never a test set); prints the spread",
        };
        var firesAt = new Option<string?>("--fires-at")
        {
            Description = "Constant currents (nA, e.g. 0.1,0.3,0.7,1.2) under which the cell was seen to fire or burst (a few seconds of each step): " +
                "training then penalises every stable equilibrium the model has under them, where it would sit silent (teacherForcing.firesAtNa; a single neuron, or a pair with the current into each cell)",
        };
        firesAt.Validators.Add(result =>
        {
            try { FiresAt(result.GetValueOrDefault<string?>()!); }
            catch (UserError e) { result.AddError(e.Message); }
        });
        var polish = new Option<int?>("--polish")
        {
            Description = "L-BFGS iterations after Adam on the whole record's teacher-forcing loss, scored by free run every 100 and kept where " +
                "selection prefers them (teacherForcing.polishIterations; default 0)",
        };
        polish.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0) { result.AddError("--polish: expected a number of iterations, 0 or more"); }
        });
        var selection = new Option<string[]>("--selection")
        {
            Description = "Selection recording(s), same forms as DATA: recorded beside the training protocol on other stimuli (a chirp, a ramp, steps held " +
                "without noise, ...), never fitted; every stage keeps the snapshot that free-runs them best, each file or sweep scored on its own. " +
                "DATA is then fitted whole (nothing held out)",
            AllowMultipleArgumentsPerToken = true,
        };
        var cellsAlone = new Option<string[]>("--cells-alone")
        {
            Description = "Recording(s) of the same cells with their synapses blocked (e.g. picrotoxin), same forms as DATA: the cells' own currents are " +
                "fitted on them first, then held while the synapses alone are fitted on DATA, so that the synapses cannot share what the cells explain (a circuit network; --fires-at, the intact circuit's, applies to the synapses' stage only)",
            AllowMultipleArgumentsPerToken = true,
        };
        var resultFile = new Option<string?>("--result") { Description = "Also write the training's figures as JSON (selected epoch, validation, seconds, parameters, seed)" };
        var target = new Option<string?>("--target")
        {
            Description = "BOARD[@RATE]: size the network (hidden widths, bank size, 16 or 8 bits) so that its compiled step holds RATE Hz (default: the model's " +
                "rate) on that board's native engine with 20 % headroom, measured on the emulated core; refuse when nothing fits. When the network must " +
                "shrink, the configured one is trained too and both are scored on the held-out data (the cost of fitting)",
        };
        var data = new DataArguments();
        var command = new Command("train", "Fit an RMM to a recording.\nExamples:\n  rmm train stg.csv --out stg.rmm.json\n" +
            "  rmm train hco.csv --network pair --ms-epochs 60 --gamma 0.1 --out hco.rmm.json\n  rmm train cell.abf --config train.json --out cell.rmm.json\n" +
            "  rmm train ramp.abf steps.abf@0-10 --out cell.rmm.json\n  rmm train protocol.abf --selection chirp.abf ramp.abf steps.abf --out cell.rmm.json\n  rmm train hco.csv --network pair --target stm32f769i-discovery --out hco.rmm.json\n  rmm train B6_Ch3_181.ibw+B6_Ch0_181.ibw B6_Ch3_182.ibw+B6_Ch0_182.ibw --out b6.rmm.json");
        command.Arguments.Add(file);
        foreach (Option o in new Option[] { output, config, network, epochs, msEpochs, gamma, seed, seeds, firesAt, polish, selection, cellsAlone, target, resultFile, warmup }) { command.Options.Add(o); }
        data.AddTo(command);
        command.SetAction(parsed =>
        {
            TrainingConfig c = parsed.GetValue(config) is string path ? TrainingConfig.Load(path) : new TrainingConfig();
            if (parsed.GetValue(network) is string n) { c = c with { Network = n }; }
            if (parsed.GetValue(seed) is int s) { c = c with { Seed = s }; }
            if (parsed.GetValue(epochs) is int e) { c = c with { TeacherForcing = c.TeacherForcing with { Epochs = e } }; }
            if (parsed.GetValue(msEpochs) is int me) { c = c with { MultipleShooting = (c.MultipleShooting ?? new MultipleShootingOptions()) with { Epochs = me } }; }
            if (parsed.GetValue(gamma) is float g) { c = c with { MultipleShooting = (c.MultipleShooting ?? new MultipleShootingOptions()) with { Gamma = g } }; }
            if (parsed.GetValue(warmup) is double w) { c = c with { TeacherForcing = c.TeacherForcing with { TransientMs = w } }; }
            if (parsed.GetValue(target) is string t) { c = c with { Target = t }; }
            if (parsed.GetValue(polish) is int iterations) { c = c with { TeacherForcing = c.TeacherForcing with { PolishIterations = iterations } }; }
            if (parsed.GetValue(firesAt) is string f)
            {
                c = c with { TeacherForcing = c.TeacherForcing with { FiresAtNa = FiresAt(f) } };
            }

            c.Check();
            BoardTarget? board = c.Target is string text ? BoardTarget.Parse(text, "--target") : null;
            int[] seedList = parsed.GetValue(seeds) is string range ? SweepSpec.Range(range, "--seeds") : [c.Seed];
            if (parsed.GetValue(seed) is not null && parsed.GetValue(seeds) is not null)
            {
                throw new UserError("--seed and --seeds: give one of them");
            }

            Dataset dataset = data.Load(parsed, parsed.GetValue(file)!);
            Dataset? selectionData = parsed.GetValue(selection) is { Length: > 0 } selectionFiles ? data.Load(parsed, selectionFiles) : null;
            Dataset? blockedData = parsed.GetValue(cellsAlone) is { Length: > 0 } blockedFiles ? data.Load(parsed, blockedFiles) : null;
            TrainingConfig configured = c;
            SizingResult? sizing = null;
            if (board is not null)
            {
                string native = NativeSources.Find() ?? throw new UserError("--target: the C kernel sources (firmware/native) were not found above this program or the working directory");
                context.Out.WriteLine(BoardTargeting.Announcement(board));
                (c, sizing) = BoardTargeting.Fit(c, board, dataset.DtMs, dataset.Neurons.Count, native);
                context.Out.WriteLine(sizing.Text());
            }

            PipelineResult? kept = null;
            var spread = new List<(int Seed, PipelineResult Result)>();
            foreach (int each in seedList)
            {
                if (seedList.Length > 1) { context.Out.WriteLine($"seed {each}:"); }
                PipelineResult trained = Train(context, c with { Seed = each }, dataset, selectionData, blockedData);
                spread.Add((each, trained));
                if (kept is null || TrainingPipeline.Validation(trained) > TrainingPipeline.Validation(kept)) { kept = trained; c = c with { Seed = each }; }
            }

            PipelineResult result = kept!;
            var metadata = new Dictionary<string, string>
            {
                ["data"] = dataset.Source,
                ["config"] = c.ToJson(),
                ["teacherForcing"] = $"epoch {result.TeacherForcing.SelectedEpoch} selected, validation {result.TeacherForcing.SelectedValidation:0.000}",
                ["split"] = result.TeacherForcing.Split,
                ["multipleShooting"] = result.MultipleShooting?.Selection ?? "not run",
            };
            if (spread.Count > 1)
            {
                metadata["seeds"] = string.Join(", ", spread.Select(p => $"seed {p.Seed}: validation {TrainingPipeline.Validation(p.Result):0.000}")) + $"; kept seed {c.Seed}";
                context.Out.WriteLine($"seeds (validation = the held-out selection score, higher is better): {metadata["seeds"]}");
                context.Out.WriteLine($"validation across seeds: {spread.Min(p => TrainingPipeline.Validation(p.Result)):0.000} … {spread.Max(p => TrainingPipeline.Validation(p.Result)):0.000}");
            }

            if (result.CellsAlone is { } cellsFit)
            {
                metadata["cellsAlone"] = $"{blockedData!.Source}: epoch {cellsFit.SelectedEpoch} selected, validation {cellsFit.SelectedValidation:0.000}; then held while the synapses alone were fitted";
            }

            if (sizing?.Chosen is { } chosen)
            {
                metadata["target"] = $"{sizing.Target}: {chosen.Shape}, {chosen.Bits}-bit, {chosen.Fit.Verdict}";
            }

            string modelPath = parsed.GetValue(output)!;
            ModelFile.Save(result.Network, modelPath, metadata);
            if (result.CellsAlone is { } alone)
            {
                context.Out.WriteLine($"cells alone (synapses blocked): {alone.Split}; epoch {alone.SelectedEpoch} selected (validation {alone.SelectedValidation:0.000}), {alone.Timing}");
                context.Out.WriteLine("then the synapses alone, with the cells' own currents held:");
            }

            context.Out.WriteLine($"data: {result.TeacherForcing.Split}");
            if (result.TeacherForcing.RestStability.Length > 0)
            {
                context.Out.WriteLine(result.TeacherForcing.RestStability);
            }

            context.Out.WriteLine($"teacher forcing: {result.TeacherForcing.TrainingSamples:N0} samples in {result.TeacherForcing.Batches}, epoch {result.TeacherForcing.SelectedEpoch} selected " +
                $"(validation {result.TeacherForcing.SelectedValidation:0.000}), {result.TeacherForcing.Timing}");
            if (result.TeacherForcing.Polish.Length > 0)
            {
                context.Out.WriteLine(result.TeacherForcing.Polish);
            }
            if (result.MultipleShooting is { } msr)
            {
                context.Out.WriteLine($"multiple shooting: {msr.Selection}, {msr.Timing}");
            }

            if (sizing is { Shrunk: true, Chosen: { } fitted })
            {
                context.Out.WriteLine($"the cost of fitting: training the configured network ({sizing.Configured.Shape}) too, to compare on the held-out data ...");
                PipelineResult full = Train(context, configured with { Target = null }, dataset, selectionData, blockedData);
                context.Out.WriteLine(selectionData is null ? "held-out free run (the part of the data that training did not fit):" : "free run on the selection recording(s):");
                PrintScores(context, $"configured ({sizing.Configured.Shape}, {sizing.Configured.Fit.Load:P0} of the period, does not fit)", TrainingPipeline.ScoreHeldOut(full.Network, configured, dataset, selectionData));
                PrintScores(context, $"fitted ({fitted.Shape}, {fitted.Bits}-bit, {fitted.Fit.Load:P0})", TrainingPipeline.ScoreHeldOut(result.Network, c, dataset, selectionData));
            }

            context.Out.WriteLine($"wrote {modelPath} ({result.Network.ParameterCount:N0} parameters)");
            if (parsed.GetValue(resultFile) is string resultPath)
            {
                TrainingResult last = result.MultipleShooting ?? result.TeacherForcing;
                UserFiles.WriteAtomically(resultPath, System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["seed"] = c.Seed, ["selectedEpoch"] = last.SelectedEpoch, ["validation"] = TrainingPipeline.Validation(result),
                    ["seconds"] = result.TeacherForcing.Seconds + (result.MultipleShooting?.Seconds ?? 0), ["parameters"] = result.Network.ParameterCount,
                }));
            }

            if (sizing?.Chosen is { } sized)
            {
                context.Out.WriteLine($"compile it for {sizing.Target.Board.Id} with: rmm compile {modelPath} --bits {sized.Bits} --out MODEL.rmmq");
            }

            return Cli.Ok;
        });
        return command;
    }

    /// <summary>The selection score of the kept snapshot of the last stage run.</summary>
    private static PipelineResult Train(CommandContext context, TrainingConfig c, Dataset dataset, Dataset? selection = null, Dataset? cellsAlone = null)
    {
        var stages = new List<(string, int)> { ("teacher forcing", c.TeacherForcing.Epochs) };
        if (cellsAlone is not null) { stages.Insert(0, ("cells alone", c.TeacherForcing.Epochs)); }
        if (c.MultipleShooting is { } ms) { stages.Add(("multiple shooting", ms.Epochs)); }
        return ProgressView.Run(context, stages, progress => TrainingPipeline.Run(c, dataset, progress, selection: selection, cellsAlone: cellsAlone));
    }

    private static void PrintScores(CommandContext context, string label, NeuronScore[]? scores)
    {
        context.Out.WriteLine($"  {label}:");
        foreach (string line in scores?.Select(s => s.ToString()) ?? ["the free run diverged"])
        {
            context.Out.WriteLine($"    {line}");
        }
    }

    private static float[] FiresAt(string text) => RangeText.ParseList(text, "--fires-at", "nA", 100, "0.1,0.3,0.7,1.2");
}
