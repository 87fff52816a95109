using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Issue 4's circuit bars on the synthetic half-centre oscillator of ../shared/data/synthetic (hco1:
/// train 60 s, test 20 s): for each seed, the training pipeline of a configuration (teacher forcing,
/// then multiple shooting if it asks) on the training file; the free run of both cells on the test
/// file (burst period within 10% of the data's for each cell, anti-phase: circular mean 0.5 ± 0.1 — metrics.md rules; R is printed, not required: on the driven test file the data's own R is 0.55);
/// and the predicted synaptic currents against the simulator's true ones (Pearson r ≥ 0.8), which
/// training never sees. Takes minutes per seed, so it is run by hand.
/// </summary>
public static class HalfCentreBench
{
    /// <summary>
    /// "sim:CELL:NS": a half-centre of two catalogue cells (StgConductances.Catalogue) with synapses of
    /// NS nS each way, simulated with 30 % rest steps: 60 s to train on (seed 1), 20 s to test (seed 2).
    /// </summary>
    private static (Dataset Train, Dataset Test) Simulated(string kind)
    {
        string[] parts = kind.Split(':');
        double us = double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) / 1000;
        return (Trainer.Simulation.BuiltInData.Simulate("hco", 60, 1, Trainer.Simulation.BuiltInData.RhythmRestProbability, 0, parts[1], us),
                Trainer.Simulation.BuiltInData.Simulate("hco", 20, 2, Trainer.Simulation.BuiltInData.RhythmRestProbability, 0, parts[1], us));
    }

    /// <summary>The pair model alone at 0 nA from an asymmetric rest (as Circuit.HalfCentre starts): burst periods and phase.</summary>
    private static (CircularPhase Phase, string Figures) FreeRunAtZeroCurrent(Trainer.Model.Network network)
    {
        float[][] v = ConstantCurrentResponse.RunFromRest(network, 0, [-60f, -45f], (int)(4000 / network.DtMs), (int)(12000 / network.DtMs));
        double[][] spikes = v.Select(trace => Spikes.Detect(trace, network.DtMs)).ToArray();
        if (spikes.Any(s => s.Length < 3))
        {
            return (CircularPhase.Of([]), $"spikes {spikes[0].Length} / {spikes[1].Length}: no rhythm");
        }

        double gap = BurstAnalysis.DefaultGapMs(spikes[0]);
        BurstStats b1 = BurstAnalysis.Analyse(spikes[0], gap), b2 = BurstAnalysis.Analyse(spikes[1], gap);
        return (BurstAnalysis.Phase(b1.Onsets, b2.Onsets), $"periods {b1.PeriodMs:0} / {b2.PeriodMs:0} ms, spikes/burst {b1.SpikesPerBurst:0.0} / {b2.SpikesPerBurst:0.0}");
    }

    /// <summary>
    /// The currents among <paramref name="candidatesNa"/> under which both cells of a "sim:CELL:NS" half-centre fire or
    /// burst (the circuit as a lab sees it for a few seconds of each, the current into each cell), with what it does there.
    /// </summary>
    private static (float[] Fires, string Seen) FiresAt(string kind, IReadOnlyList<float> candidatesNa)
    {
        string[] parts = kind.Split(':');
        double us = double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) / 1000;
        ActivitySummary[][] seen = ConstantCurrentResponse.OfCircuit(() => Circuit.HalfCentre(StgConductances.Named(parts[1]), us),
            [.. candidatesNa.Select(i => (double)i)], Trainer.Simulation.BuiltInData.DtMs);
        float[] fires = [.. candidatesNa.Where((_, c) => seen[c].All(cell => cell.Kind != FiringPattern.Silent))];
        return (fires, string.Join("; ", candidatesNa.Select((i, c) => $"{i:+0.00;-0.00} nA: {string.Join(" | ", seen[c].Select(cell => cell.ToString()))}")));
    }

    /// <param name="firesAtCandidates">Currents (nA, into each cell) at which a simulated half-centre is looked at: those where
    /// both cells fire or burst go to training as <see cref="TeacherForcingOptions.FiresAtNa"/>. Empty: none.</param>
    public static void Run(string sharedData, string[] kinds, TrainingConfig config, int[] seeds, TextWriter output, IReadOnlyList<float>? firesAtCandidates = null)
    {
        output.WriteLine($"configuration: {System.Text.RegularExpressions.Regex.Replace(config.ToJson(), @"\s+", " ")}");
        foreach (string kind in kinds)
        {
            if ((kind.StartsWith("sim:") ? Simulated(kind) : SyntheticPair.Load(sharedData, "hco1_train_60s", "hco1_test_20s", kind, output)) is not { } records)
            {
                return;
            }

            (Dataset train, Dataset test) = records;
            TrainingConfig kindConfig = config;
            if (firesAtCandidates is { Count: > 0 })
            {
                if (!kind.StartsWith("sim:"))
                {
                    output.WriteLine($"{kind}: --fires-at looks at a simulated half-centre (sim:CELL:NS); training here is told nothing");
                }
                else
                {
                    (float[] fires, string seen) = FiresAt(kind, firesAtCandidates);
                    kindConfig = config with { TeacherForcing = config.TeacherForcing with { FiresAtNa = fires } };
                    output.WriteLine($"{kind} under constant current into each cell: {seen}; training is told it fires at " +
                        (fires.Length == 0 ? "none" : string.Join(", ", fires.Select(i => $"{i:+0.00;-0.00} nA"))));
                }
            }

            int rhythm = 0, synapses = 0;
            foreach (int seed in seeds)
            {
                var clock = Stopwatch.StartNew();
                PipelineResult result = TrainingPipeline.Run(kindConfig with { Seed = seed }, train);
                var network = result.Network;
                int warmup = network.WarmupSamples;
                NeuronScore[] scores = Scoring.Score(network, test, FreeRun.Run(network, test, warmup));
                (CircularPhase phase, CircularPhase dataPhase) = Scoring.Phase(scores[0], scores[1]);
                SynapseCorrelation[] r = ModelAnalysis.SynapticCorrelations(network, test, ModelAnalysis.Traces(network, test, warmup));
                bool rhythmOk = scores.All(s => Math.Abs(s.PeriodError) <= 0.10) && Math.Abs(phase.Mean - 0.5) <= 0.1;
                bool synapsesOk = r.Length == 2 && r.All(c => c.PearsonR >= 0.8);
                rhythm += rhythmOk ? 1 : 0;
                synapses += synapsesOk ? 1 : 0;
                string stages = $"TF epoch {result.TeacherForcing.SelectedEpoch} (validation {result.TeacherForcing.SelectedValidation:0.000})" +
                    (result.MultipleShooting is { } ms ? $", MS epoch {ms.SelectedEpoch} (validation {ms.History[0].Validation:0.000} -> {ms.SelectedValidation:0.000})" : "");
                output.WriteLine($"{kind} seed {seed}: {stages}, {clock.Elapsed.TotalSeconds:0} s");
                if (result.TeacherForcing.RestStability.Length > 0) { output.WriteLine($"    {result.TeacherForcing.RestStability}"); }
                foreach (NeuronScore s in scores) { output.WriteLine($"    {s}"); }
                (CircularPhase atRest, string restFigures) = FreeRunAtZeroCurrent(network);
                output.WriteLine($"    at 0 nA from rest (cells at −60 / −45 mV, 12 s after 4 s): {restFigures}, phase {atRest}");
                output.WriteLine($"    phase {phase} (data {dataPhase}); synaptic r " +
                    string.Join(", ", r.Select(c => $"{c.TruthColumn} {c.PearsonR:0.000}")) +
                    $" => {(rhythmOk ? "meets" : "misses")} the rhythm bar, {(synapsesOk ? "meets" : "misses")} the synaptic bar");
            }

            output.WriteLine($"{kind}: rhythm bar (periods within 10%, circular mean phase 0.5 ± 0.1) met by {rhythm} of {seeds.Length} seeds; " +
                $"synaptic bar (r ≥ 0.8 for both) met by {synapses} of {seeds.Length}");
        }
    }
}
