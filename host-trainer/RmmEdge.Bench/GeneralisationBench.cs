using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench generalisation [--cells a,lp-4,…]`: for each cell of the Prinz catalogue
/// (StgConductances.Catalogue), a model trained on that cell's OU-and-steps recording (60 s, 30 % rest
/// steps, 10 kHz, or --train-seconds; the training protocol of BuiltInData) is judged as
/// <see cref="Generalisation"/> says (probes and constant current beside the simulated cell). Each probe
/// is also free-run by the model compiled to 16 bits (FixedPointRun, the firmware's arithmetic) and
/// compared with the float free run.
/// </summary>
public static class GeneralisationBench
{
    public const double DefaultTrainSeconds = 60;

    /// <param name="modelDirectory">Where each cell's and seed's model is kept (CELL-seedN.rmm.json): a model found there is
    /// loaded instead of trained, and a trained one is saved there, so a probe analysis can be re-run without training.</param>
    /// <param name="trainSeconds">Length of the training recording (issue 17 §4: how recording length trades against the probes).</param>
    /// <param name="restCheck">Selection also runs each snapshot at 0 nA against the cell's own activity there
    /// (<see cref="ConstantCurrentCheck"/>; a lab records it as a few seconds at rest).</param>
    /// <param name="probeSeedInTraining">Not 0: the training data also holds every probe class, one segment each (the
    /// noise probe drawn with this seed; Generalisation.ProbeSeed is the judged probes' own): whether a miss is the training stimulus's
    /// content or the method's.</param>
    /// <param name="selectionSeed">Not 0: every stage selects its snapshots on the cell's selection record (SelectionStimuli: chirp,
    /// falling ramp, quiet steps, the training process drawn with this seed; none of them a probe) instead of the training record's held-out tail.</param>
    /// <param name="firesAtCandidates">Constant currents (nA) at which the cell is looked at, as a lab would for a few seconds each: those
    /// where it fires or bursts go to training as <see cref="TeacherForcingOptions.FiresAtNa"/> (`rmm train --fires-at`). Empty: none.</param>
    public static void Run(TrainingConfig config, StimulusSpec stimulus, IReadOnlyList<string> cells, int[] seeds, TextWriter output,
        string? modelDirectory = null, double trainSeconds = DefaultTrainSeconds, bool restCheck = false, int probeSeedInTraining = 0,
        IReadOnlyList<float>? firesAtCandidates = null, int selectionSeed = 0, int ensembleSize = 0)
    {
        output.WriteLine($"config {System.Text.RegularExpressions.Regex.Replace(config.ToJson(), @"\s+", " ")}");
        var summary = new List<string>();
        foreach (string cellName in cells)
        {
            Circuit Cell() => Circuit.SingleStg(StgConductances.Named(cellName));
            Dataset train = TrainingRecord(cellName, stimulus, trainSeconds);
            if (probeSeedInTraining != 0)
            {
                // Each probe class (with the noise probe's seed given) as a segment before the recording.
                var parts = ProbeStimuli.Names.Select(name => Generalisation.Probe(cellName, name, probeSeedInTraining)).Append(train).ToList();
                train = Dataset.Concatenate($"{train.Source} after the probes (seed {probeSeedInTraining})", parts);
            }
            Dictionary<string, Dataset> probes = Generalisation.Probes(cellName);
            ActivitySummary[] cellTable = Generalisation.CellTable(cellName);
            bool burster = Generalisation.IsBurster(cellTable);
            Dataset? selection = selectionSeed == 0 ? null : BuiltInData.SelectionRecord(Cell(), stimulus, cellName, selectionSeed);
            output.WriteLine($"cell {cellName} ({(burster ? "a burster" : "not a burster")} at 0 nA): training on {train.Source}" +
                (selection is null ? "" : $", selecting on {selection.Source}"));
            TrainingConfig cellConfig = config;
            if (restCheck)
            {
                var check = ConstantCurrentCheck.OfCircuit(Cell, 0, train.DtMs);
                cellConfig = config with { TeacherForcing = config.TeacherForcing with { ConstantCurrentCheck = check } };
                output.WriteLine($"  selection also checks the model at 0 nA against the cell there: {check}");
            }

            if (firesAtCandidates is { Count: > 0 })
            {
                ConstantCurrentCheck[] seen = firesAtCandidates.Select(i => ConstantCurrentCheck.OfCircuit(Cell, i, train.DtMs)).ToArray();
                float[] fires = seen.Where(c => c.Pattern != FiringPattern.Silent).Select(c => (float)c.CurrentNa).ToArray();
                cellConfig = cellConfig with { TeacherForcing = cellConfig.TeacherForcing with { FiresAtNa = fires } };
                output.WriteLine($"  the cell under constant current: {string.Join("; ", seen.Select(c => c.ToString()))}; training is told it fires at " +
                    (fires.Length == 0 ? "none" : string.Join(", ", fires.Select(i => $"{i:+0.00;-0.00} nA"))));
            }

            var trained = new List<Network>();
            foreach (int seed in seeds)
            {
                Network network = TrainedModel(cellConfig with { Seed = seed }, train, selection, modelDirectory, ModelName(cellName, seed, trainSeconds), output);
                trained.Add(network);
                Judge($"seed {seed}", network);
            }

            // Ensembles of ensembleSize consecutive seeds (Ensemble.Of: the mean of their dv/dt), judged as one model.
            for (int first = 0; ensembleSize > 1 && first + ensembleSize <= trained.Count; first += ensembleSize)
            {
                string members = string.Join("+", seeds.Skip(first).Take(ensembleSize));
                output.WriteLine($"  ensemble of seeds {members}:");
                Judge($"ensemble {members}", Ensemble.Of(trained.GetRange(first, ensembleSize)));
            }

            void Judge(string label, Network network)
            {
                var marks = new List<string>();
                RmmqModel fixedPoint = FixedPointRun.Load(Quantizer.Compile(network, 16, out _));
                ProbeVerdict[] verdicts = Generalisation.OnProbes(network, probes, burster);
                (bool Kept, string Figures)[] compiled = Generalisation.CompiledOnProbes(network, fixedPoint, probes, verdicts, burster);
                for (int i = 0; i < verdicts.Length; i++)
                {
                    ProbeVerdict v = verdicts[i];
                    marks.Add($"{v.Probe} {(v.Within ? "ok" : "MISS")}");
                    output.WriteLine($"    {v.Probe,-6}: {v.Figures}, Γ(±4 ms) {v.Score.Gamma:0.000}, outside the trained voltages {v.Score.OutsideTrainedRangeFigures}{(v.Score.Diverged ? ", DIVERGED" : "")} => {(v.Within ? "within" : "outside")}");
                    output.WriteLine($"            16-bit fixed point against float: {compiled[i].Figures} => {(compiled[i].Kept ? "kept" : "drifts")}");
                }

                marks.Add($"16-bit kept on {compiled.Count(k => k.Kept)} of {probes.Count}");
                ConstantCurrentVerdict[] table = Generalisation.OnConstantCurrent(network, cellTable);
                foreach (ConstantCurrentVerdict row in table)
                {
                    output.WriteLine($"    {row.CurrentNa,5:+0.00;-0.00;+0.00} nA: model {row.Model}, cell {row.Cell}{(row.Same ? "" : "  <- class differs")}");
                }

                summary.Add($"{cellName,-13} {label}: {string.Join(", ", marks)}; constant-current class right at {table.Count(r => r.Same)} of {table.Length}");
            }
        }

        output.WriteLine("summary (probe: burst period 10 % and ±1.5 spikes/burst, or rate 10 %, or silent as the cell):");
        summary.ForEach(output.WriteLine);
    }

    /// <summary>The file name (without .rmm.json) under which `--models DIR` keeps a cell's model of one seed and training length.</summary>
    public static string ModelName(string cellName, int seed, double trainSeconds) =>
        trainSeconds == DefaultTrainSeconds ? $"{cellName}-seed{seed}" : $"{cellName}-{trainSeconds:0}s-seed{seed}";

    /// <summary>The record a catalogue cell's models are trained on: <paramref name="seconds"/> of <paramref name="stimulus"/>, noise seed 1.</summary>
    public static Dataset TrainingRecord(string cellName, StimulusSpec stimulus, double seconds) =>
        BuiltInData.Record(Circuit.SingleStg(StgConductances.Named(cellName)), stimulus, cellName, seconds, seed: 1);

    private static Network TrainedModel(TrainingConfig config, Dataset train, Dataset? selection, string? directory, string name, TextWriter output)
    {
        string? path = directory is null ? null : Path.Combine(directory, name + ".rmm.json");
        if (path is not null && File.Exists(path))
        {
            output.WriteLine($"  seed {config.Seed}: loaded {path} (not trained again)");
            return ModelFile.Load(path);
        }

        var clock = Stopwatch.StartNew();
        PipelineResult result = TrainingPipeline.Run(config, train, selection: selection);
        output.WriteLine($"  seed {config.Seed}: TF epoch {result.TeacherForcing.SelectedEpoch} selected, {clock.Elapsed.TotalSeconds:0} s" +
            (result.TeacherForcing.Polish.Length > 0 ? $"; {result.TeacherForcing.Polish}" : "") +
            (result.MultipleShooting is TrainingResult ms ? $"; MS epoch {ms.SelectedEpoch} selected (scores {string.Join(" ", ms.History.Where(h => h.Validation is not null).Select(h => $"{h.Epoch}:{h.Validation:0.000}"))})" : ""));
        if (path is not null)
        {
            Directory.CreateDirectory(directory!);
            ModelFile.Save(result.Network, path);
        }

        return result.Network;
    }
}
