using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench snapshots --cells a --seeds 1`: is a model that generalises ever reached during teacher
/// forcing, so that only selection misses it (issue 17 §3)? Trains as the generalisation bench does and, at
/// every snapshot the trainer scores (every 5 epochs), also free-runs the probes (chirp, ramp, new steps,
/// other noise) and the constant-current levels, judged by the generalisation bench's bar. Prints the
/// validation score beside the probe verdicts, then the epoch selection kept and the epoch that met the most
/// of the bar. With a multiple-shooting stage in the configuration, its snapshots follow, numbered on from
/// teacher forcing's last epoch. Each snapshot's probes run a copy restored from the parameters that were scored
/// (<see cref="EpochRecord.Snapshot"/>), since selection scores them while training goes on.
/// </summary>
public static class SnapshotsBench
{
    /// <param name="selectionSeed">Not 0: the trainers select on the cell's selection record (BuiltInData.SelectionRecord, its training segment drawn with this seed).</param>
    public static void Run(TrainingConfig config, StimulusSpec stimulus, IReadOnlyList<string> cells, int[] seeds, double trainSeconds, TextWriter output,
        int selectionSeed = 0)
    {
        foreach (string cellName in cells)
        {
            StgConductances g = StgConductances.Named(cellName);
            Dataset train = BuiltInData.Record(Circuit.SingleStg(g), stimulus, cellName, trainSeconds, seed: 1);
            Dataset? selection = selectionSeed == 0 ? null : BuiltInData.SelectionRecord(Circuit.SingleStg(g), stimulus, cellName, selectionSeed);
            Dictionary<string, Dataset> probes = Generalisation.Probes(cellName);
            ActivitySummary[] cellTable = Generalisation.CellTable(cellName);
            bool burster = Generalisation.IsBurster(cellTable);
            foreach (int seed in seeds)
            {
                output.WriteLine($"cell {cellName}, seed {seed}: epoch, validation score, probes ({string.Join(", ", probes.Keys)}), constant-current classes right");
                var network = new Network(config.BuildSpec(train.DtMs, train.Neurons.Count), seed);
                var rows = new List<(int Epoch, double Validation, int Probes, int Classes)>();
                Network? scored = null;
                int stageStart = 0;
                var watcher = new SnapshotWatcher(record =>
                {
                    if (record.Validation is not double validation || record.Snapshot is null)
                    {
                        return;
                    }

                    // Scored beside training: by now the network has trained on, so the probes run the scored parameters
                    // on a copy (made once training has fitted the inputs' normalisations and the output scales).
                    scored ??= network.Copy();
                    scored.Restore(record.Snapshot);
                    ProbeVerdict[] verdicts = Generalisation.OnProbes(scored, probes, burster);
                    int within = verdicts.Count(v => v.Within);
                    int classes = Generalisation.OnConstantCurrent(scored, cellTable).Count(r => r.Same);
                    int epoch = stageStart + record.Epoch;
                    rows.Add((epoch, validation, within, classes));
                    output.WriteLine($"  {epoch,4} {validation,8:0.000}  {string.Join("  ", verdicts.Select(v => Brief(v, burster)))}  within {within}, classes {classes}/{cellTable.Length}");
                });
                TrainingResult result = new TeacherForcingTrainer(network, train, config.TeacherForcing with { Seed = seed }, selection).Train(watcher);
                int selectedEpoch = result.SelectedEpoch;
                if (config.MultipleShooting is { } ms)
                {
                    // Multiple shooting's epochs follow teacher forcing's; its epoch 0 is the model teacher forcing kept.
                    stageStart = result.History[^1].Epoch;
                    output.WriteLine($"  multiple shooting from epoch {stageStart} (teacher forcing kept epoch {selectedEpoch}):");
                    TrainingResult second = new MultipleShootingTrainer(network, train, ms with { Seed = seed }, selection).Train(watcher);
                    selectedEpoch = second.SelectedEpoch == 0 ? selectedEpoch : stageStart + second.SelectedEpoch;
                }

                var selected = rows.First(r => r.Epoch == selectedEpoch);
                var bestProbes = rows.OrderByDescending(r => r.Probes + r.Classes / (double)cellTable.Length).First();
                output.WriteLine($"  selected epoch {selected.Epoch}: probes within {selected.Probes}, classes {selected.Classes}; " +
                    $"best on the probes: epoch {bestProbes.Epoch} (validation {bestProbes.Validation:0.000}): probes within {bestProbes.Probes}, classes {bestProbes.Classes}");
            }
        }
    }

    /// <summary>A probe verdict in a dozen characters: period and spikes-per-burst errors, or the rate error; * where within the bar.</summary>
    private static string Brief(ProbeVerdict v, bool burster)
    {
        NeuronScore s = v.Score;
        string mark = v.Within ? "*" : " ";
        return s.DataBursts.Bursts >= 2 && burster
            ? $"{Math.Round(s.PeriodError, 3) + 0.0,7:+0.0%;-0.0%;+0.0%}/{Math.Round(s.SpikesPerBurstError, 1) + 0.0:+0.0;-0.0;+0.0}{mark}"
            : $"{(s.DataSpikes == 0 ? 0 : (double)s.ModelSpikes / s.DataSpikes - 1),7:+0.0%;-0.0%;+0.0%} rate{mark}";
    }

    /// <summary>Runs an action on every epoch record as training reports it (synchronously, on the training thread).</summary>
    private sealed class SnapshotWatcher(Action<EpochRecord> onEpoch) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => onEpoch(value);
    }
}
