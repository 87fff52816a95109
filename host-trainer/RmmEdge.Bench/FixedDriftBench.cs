using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench fixed-drift --models DIR`: where does a compiled model's free run leave its float
/// model's (issue 17 §5)? For every model the generalisation bench kept (DIR/CELL-seedN.rmm.json), each
/// probe is free-run by the float model, by the float model with every parameter multiplied by
/// 1 + ε·N(0, 1) (ε = 2⁻¹⁵, the size of a 16-bit weight's rounding, and ε = 2⁻²³, float32's own), by the float
/// model with one of the kernel's roundings at a time (its MLP inputs on Q0.15, its pre-activations on the
/// activation table's Q4.11 input: <see cref="MlpGrid"/>), and by the 16- and 8-bit compiled models. If the
/// float model moves as far under ε = 2⁻¹⁵ noise as under compilation, the drift is the float model's own
/// sensitivity (its rhythm is not structurally stable at that scale) and no kernel arithmetic can remove it;
/// if it does not, the kernel is to blame, and the grids say which of its roundings.
/// </summary>
public static class FixedDriftBench
{
    private static readonly (string Name, double Epsilon)[] Perturbations = [("float·(1+2⁻¹⁵ N)", 1.0 / (1 << 15)), ("float·(1+2⁻²³ N)", 1.0 / (1 << 23))];

    /// <summary>The float model on one of the compiled model's grids at a time: its MLPs' normalised inputs on Q0.15, or its hidden layers' pre-activations on the activation table's Q4.11 input.</summary>
    private static readonly (string Name, MlpGrid Grid)[] Grids =
    [
        ("float, inputs Q0.15", new MlpGrid(1f / (1 << FixedPoint.UnitBits), 0)),
        ("float, table Q4.11", new MlpGrid(0, 1f / (1 << FixedPoint.TableInputBits))),
    ];

    public static void Run(string modelDirectory, IReadOnlyList<string> cells, TextWriter output)
    {
        var tally = new Dictionary<string, (int Kept, int Total)>();
        foreach (string cellName in cells)
        {
            string[] files = Directory.Exists(modelDirectory)
                ? Directory.GetFiles(modelDirectory, $"{cellName}-seed*.rmm.json").Order().ToArray()
                : [];
            if (files.Length == 0)
            {
                output.WriteLine($"cell {cellName}: no model in {modelDirectory} (run `generalisation --models {modelDirectory}` first)");
                continue;
            }

            Dictionary<string, Dataset> probes = Generalisation.Probes(cellName);
            bool burster = Generalisation.IsBurster(Generalisation.CellTable(cellName));
            foreach (string file in files)
            {
                output.WriteLine($"{Path.GetFileName(file)}");
                Network network = ModelFile.Load(file);
                var variants = new List<(string Name, Func<Dataset, FreeRunResult> Run)>();
                foreach ((string name, double epsilon) in Perturbations)
                {
                    for (int seed = 1; seed <= 2; seed++)
                    {
                        Network perturbed = network.PerturbedCopy(epsilon, seed);
                        variants.Add(($"{name} #{seed}", probe => FreeRun.Run(perturbed, probe, Generalisation.Warmup(perturbed, probe))));
                    }
                }

                foreach ((string name, MlpGrid grid) in Grids)
                {
                    Network gridded = network.GriddedCopy(grid);
                    variants.Add((name, probe => FreeRun.Run(gridded, probe, Generalisation.Warmup(gridded, probe))));
                }

                foreach (int bits in new[] { 16, 8 })
                {
                    RmmqModel compiled = FixedPointRun.Load(Quantizer.Compile(network, bits, out _));
                    variants.Add(($"{bits}-bit compiled", probe => FixedPointRun.Run(compiled, probe, Generalisation.Warmup(network, probe))));
                }

                foreach ((string probeName, Dataset probe) in probes)
                {
                    NeuronScore reference = Scoring.Score(network, probe, FreeRun.Run(network, probe, Generalisation.Warmup(network, probe)))[0];
                    output.WriteLine($"  {probeName,-6} float: {Describe(reference)}");
                    foreach ((string name, Func<Dataset, FreeRunResult> run) in variants)
                    {
                        NeuronScore s = Scoring.Score(network, probe, run(probe))[0];
                        (bool kept, string figures) = Generalisation.FixedAgainstFloat(s, reference, burster);
                        string key = name.Contains('#') ? name[..name.IndexOf('#')].TrimEnd() : name;
                        (int k, int t) = tally.GetValueOrDefault(key);
                        tally[key] = (k + (kept ? 1 : 0), t + 1);
                        output.WriteLine($"         {name,-20} {figures} => {(kept ? "kept" : "drifts")}");
                    }
                }
            }
        }

        output.WriteLine("summary (within 3 % period and ±0.5 spikes per burst of the float free run, or 3 % of its spike count):");
        foreach ((string name, (int kept, int total)) in tally)
        {
            output.WriteLine($"  {name,-20} kept on {kept} of {total} probe runs");
        }
    }

    private static string Describe(NeuronScore s) => s.ModelBursts.Bursts >= 2
        ? $"{s.ModelSpikes} spikes, period {s.ModelBursts.PeriodMs:0} ms, {s.ModelBursts.SpikesPerBurst:0.00} spikes/burst"
        : $"{s.ModelSpikes} spikes";
}
