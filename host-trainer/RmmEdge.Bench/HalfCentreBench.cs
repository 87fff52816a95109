using System.Diagnostics;
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
    public static void Run(string sharedData, string[] kinds, TrainingConfig config, int[] seeds, TextWriter output)
    {
        output.WriteLine($"configuration: {System.Text.RegularExpressions.Regex.Replace(config.ToJson(), @"\s+", " ")}");
        foreach (string kind in kinds)
        {
            if (SyntheticPair.Load(sharedData, "hco1_train_60s", "hco1_test_20s", kind, output) is not { } records)
            {
                return;
            }

            (Dataset train, Dataset test) = records;
            int rhythm = 0, synapses = 0;
            foreach (int seed in seeds)
            {
                var clock = Stopwatch.StartNew();
                PipelineResult result = TrainingPipeline.Run(config with { Seed = seed }, train);
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
                foreach (NeuronScore s in scores) { output.WriteLine($"    {s}"); }
                output.WriteLine($"    phase {phase} (data {dataPhase}); synaptic r " +
                    string.Join(", ", r.Select(c => $"{c.TruthColumn} {c.PearsonR:0.000}")) +
                    $" => {(rhythmOk ? "meets" : "misses")} the rhythm bar, {(synapsesOk ? "meets" : "misses")} the synaptic bar");
            }

            output.WriteLine($"{kind}: rhythm bar (periods within 10%, circular mean phase 0.5 ± 0.1) met by {rhythm} of {seeds.Length} seeds; " +
                $"synaptic bar (r ≥ 0.8 for both) met by {synapses} of {seeds.Length}");
        }
    }
}
