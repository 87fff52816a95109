using System.Diagnostics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench generalisation`: a model trained on the built-in neuron A's OU-and-steps recording
/// (60 s, 30 % rest steps, 10 kHz) is free-run on stimulus classes it never saw (ProbeStimuli: chirp,
/// ramp, new step amplitudes, other noise; 20 s each after a 10 s unrecorded settle) beside the
/// simulated cell, and its response to constant current is classified beside the cell's. Figures by the
/// bursting rule of metrics.md (−20 mV, re-armed below −35 mV; burst gap 5 × the cell's median ISI).
/// </summary>
public static class GeneralisationBench
{
    public static void Run(TrainingConfig config, int[] seeds, double trainSeconds, TextWriter output)
    {
        Dataset train = BuiltInData.Simulate("stg", trainSeconds, seed: 1, BuiltInData.RhythmRestProbability);
        var probes = ProbeStimuli.Names.ToDictionary(name => name, name =>
        {
            Circuit cell = Circuit.SingleStg();
            cell.Advance(10_000, [0]);
            return cell.Record([ProbeStimuli.Generate(name, 20, BuiltInData.DtMs, seed: 7)], BuiltInData.DtMs, $"neuron A, {name}");
        });
        ActivitySummary[][] cellTable = ConstantCurrentResponse.OfCircuit(Circuit.SingleStg, ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs);
        output.WriteLine($"training: {train.Source}; config {config.ToJson().Replace('\n', ' ')}");
        foreach (int seed in seeds)
        {
            var clock = Stopwatch.StartNew();
            PipelineResult result = TrainingPipeline.Run(config with { Seed = seed }, train);
            Network network = result.Network;
            output.WriteLine($"seed {seed}: TF epoch {result.TeacherForcing.SelectedEpoch} selected, {clock.Elapsed.TotalSeconds:0} s");
            int within = 0;
            foreach ((string name, Dataset probe) in probes)
            {
                NeuronScore s = Scoring.Score(network, probe, FreeRun.Run(network, probe, network.WarmupSamples))[0];
                bool ok = Math.Abs(s.PeriodError) <= 0.10 && Math.Abs(s.SpikesPerBurstError) <= 1.5;
                within += ok ? 1 : 0;
                output.WriteLine($"    {name,-6}: period {s.ModelBursts.PeriodMs:0} vs {s.DataBursts.PeriodMs:0} ms ({s.PeriodError:+0.0%;-0.0%}), " +
                    $"spikes/burst {s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00}), " +
                    $"spikes {s.ModelSpikes} vs {s.DataSpikes}, Γ(±4 ms) {s.Gamma:0.000}{(s.Diverged ? ", DIVERGED" : "")} => {(ok ? "within" : "outside")} 10 % / ±1.5");
            }

            ActivitySummary[][] modelTable = ConstantCurrentResponse.OfModel(network, ConstantCurrentResponse.StandardCurrentsNa);
            int same = 0;
            for (int c = 0; c < ConstantCurrentResponse.StandardCurrentsNa.Length; c++)
            {
                bool match = modelTable[c][0].Kind == cellTable[c][0].Kind;
                same += match ? 1 : 0;
                output.WriteLine($"    {ConstantCurrentResponse.StandardCurrentsNa[c],5:+0.00;-0.00} nA: model {modelTable[c][0]}, cell {cellTable[c][0]}{(match ? "" : "  <- class differs")}");
            }

            output.WriteLine($"  seed {seed}: {within} of {probes.Count} probe stimuli within 10 % period and ±1.5 spikes per burst; " +
                $"constant-current class right at {same} of {ConstantCurrentResponse.StandardCurrentsNa.Length} levels");
        }
    }
}
