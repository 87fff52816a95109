using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench anatomy --models DIR [--cells a,…] [--seeds 1]`: where a model of a catalogue cell
/// (DIR/CELL-seedN.rmm.json, as `generalisation --models DIR` saves them) goes wrong on each probe
/// (Generalisation.Probes), in five views:
/// <list type="bullet">
/// <item>the one-step (teacher-forced) error of dv/dt on slow samples (below −40 mV, mean slope over 1 ms
/// under 0.3 mV/ms): its mean and RMS against the cell's own mean |dv/dt| there, on the training record (rebuilt
/// from the stimulus options given, as `generalisation` built it) and on each probe, beside the error of the best
/// affine readout and a 600-unit random-tanh readout of the model's inputs with the cell's own I/C, fitted on the
/// training record's slow samples (<see cref="SlowReadout"/>);</item>
/// <item>bursts: from the cell's state 10 ms before a burst's first spike, the free run's spikes until a
/// 100 ms gap, against the cell's burst;</item>
/// <item>interbursts: from the cell's state 20 ms after a burst's last spike, the free run's time to its next
/// spike against the cell's.</item>
/// <item>bursts from the cell's state again, with every bank state of τ ≥ 20 ms (then ≥ 100 ms) following
/// the cell's voltage: whether the slow states, fed by the model's own spikes, or the fast ones, given the
/// cell's slow states, end the burst where the cell does not;</item>
/// <item>the timeline: the judged free run's bursts (start, spikes) beside the cell's, to see where on the
/// probe a verdict's figure comes from.</item>
/// </list>
/// A burst or interburst that is right from the cell's state but wrong in a free run is an error that
/// compounds from cycle to cycle. Spikes: Spikes.Detect (metrics.md: −20 mV, re-armed below −35 mV);
/// bursts: spikes closer than 100 ms.
/// </summary>
public static class FreeRunAnatomyBench
{
    private const double BurstGapMs = 100;
    private const int ReadoutUnits = 600;
    private static readonly double[] SlowStatesFromTauMs = [20, 100];

    public static void Run(string directory, IReadOnlyList<string> cells, int[] seeds, StimulusSpec stimulus, double trainSeconds, TextWriter output)
    {
        foreach (string cell in cells)
        {
            Dictionary<string, Dataset> probes = Generalisation.Probes(cell);
            Dataset train = GeneralisationBench.TrainingRecord(cell, stimulus, trainSeconds);
            foreach (int seed in seeds)
            {
                string path = Path.Combine(directory, GeneralisationBench.ModelName(cell, seed, trainSeconds) + ".rmm.json");
                Network network = ModelFile.Load(path);
                output.WriteLine($"{path}:");
                SlowReadout.Samples trainSamples = SlowReadout.Collect(network, train, StgNeuron.CapacitanceNf);
                var affine = SlowReadout.Fit(trainSamples);
                var nonlinear = SlowReadout.Fit(trainSamples, ReadoutUnits);
                string Readouts(Dataset data)
                {
                    SlowReadout.Samples samples = data == train ? trainSamples : SlowReadout.Collect(network, data, StgNeuron.CapacitanceNf);
                    return $"readouts of the inputs with I/C, RMS: affine {affine.Rms(samples):0.000}, {ReadoutUnits} tanh units {nonlinear.Rms(samples):0.000}";
                }

                output.WriteLine($"  train  {OneStep(network, train)}; {Readouts(train)}");
                foreach ((string name, Dataset probe) in probes)
                {
                    output.WriteLine($"  {name,-6} {OneStep(network, probe)}; {Readouts(probe)}");
                    output.WriteLine($"         {FromTheCellsState(network, probe)}");
                    foreach (double slowMs in SlowStatesFromTauMs)
                    {
                        output.WriteLine($"         {BurstsWithSlowStatesFromTheCell(network, probe, slowMs)}");
                    }

                    foreach (string line in Timeline(network, probe)) { output.WriteLine($"         {line}"); }
                }
            }
        }
    }

    private static string OneStep(Network network, Dataset probe)
    {
        float[] v = probe.Neurons[0].V, current = probe.Neurons[0].I;
        float dt = (float)probe.DtMs;
        int window = (int)Math.Round(1 / dt);
        var simulator = new NetworkRunner(network);
        simulator.Reset([v[0]]);
        double errorSum = 0, squareSum = 0, slopeSum = 0;
        int count = 0;
        for (int k = 0; k + window < v.Length; k++)
        {
            simulator.Step([current[k]], [v[k]], 1f);
            float slope = (v[k + 1] - v[k]) / dt;
            if (k >= network.WarmupSamples && SlowSamples.Is(v, k, probe.DtMs))
            {
                double error = simulator.Derivatives[0] - slope;
                errorSum += error;
                squareSum += error * error;
                slopeSum += Math.Abs(slope);
                count++;
            }
        }

        return $"one-step dv/dt on {count} slow samples: error mean {errorSum / count:+0.000;-0.000;+0.000}, RMS {Math.Sqrt(squareSum / count):0.000} mV/ms " +
            $"against the cell's mean |dv/dt| {slopeSum / count:0.000}";
    }

    /// <summary>The cell's bursts after a gap: (first, last) spike indices into <paramref name="spikes"/>; the last one may run to the probe's end.</summary>
    private static List<(int First, int Last)> CellBursts(int[] spikes, int gap)
    {
        var bursts = new List<(int, int)>();
        for (int s = 1; s < spikes.Length; s++)
        {
            if (spikes[s] - spikes[s - 1] < gap) { continue; }
            int e = s;
            while (e + 1 < spikes.Length && spikes[e + 1] - spikes[e] < gap) { e++; }
            bursts.Add((s, e));
        }

        return bursts;
    }

    /// <summary>The spikes of the first burst of a free run (until its first gap).</summary>
    private static int FirstBurst(int[] free, int gap)
    {
        int count = free.Length == 0 ? 0 : 1;
        while (count < free.Length && free[count] - free[count - 1] < gap) { count++; }
        return count;
    }

    private static int[] CellSpikes(Network network, Dataset probe) =>
        Samples(Spikes.Detect(probe.Neurons[0].V.AsSpan(network.WarmupSamples), probe.DtMs), probe.DtMs, network.WarmupSamples);

    private static string FromTheCellsState(Network network, Dataset probe)
    {
        double dt = probe.DtMs;
        int gap = (int)Math.Round(BurstGapMs / dt);
        int[] spikes = CellSpikes(network, probe);
        var burstSpikes = new List<(int Model, int Cell)>();
        var interburst = new List<double>();
        foreach ((int s, int e) in CellBursts(spikes, gap))
        {
            // The interburst that ends at spike s, from 20 ms after the burst before it.
            int start = spikes[s - 1] + (int)Math.Round(20 / dt);
            int[] free = FreeRunSpikes(network, probe, start, start + 4 * (spikes[s] - start));
            interburst.Add(free.Length > 0 ? (double)(free[0] - start) / (spikes[s] - start) : double.PositiveInfinity);

            // The burst s..e, from 10 ms before it, to its first gap (when the probe shows that gap).
            if (e + 1 < spikes.Length)
            {
                free = FreeRunSpikes(network, probe, spikes[s] - (int)Math.Round(10 / dt), spikes[e + 1] + gap);
                burstSpikes.Add((FirstBurst(free, gap), e - s + 1));
            }
        }

        interburst.Sort();
        return $"from the cell's state: bursts {burstSpikes.Count}, spikes per burst model {(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Model) : double.NaN):0.00} vs cell " +
            $"{(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Cell) : double.NaN):0.00}; interbursts {interburst.Count}, model/cell time to the next spike median " +
            $"{(interburst.Count > 0 ? interburst[interburst.Count / 2] : double.NaN):0.000}";
    }

    /// <summary>Bursts from the cell's state, as above, with every bank state of τ ≥ <paramref name="forcedFromTauMs"/> following the cell.</summary>
    private static string BurstsWithSlowStatesFromTheCell(Network network, Dataset probe, double forcedFromTauMs)
    {
        double dt = probe.DtMs;
        int gap = (int)Math.Round(BurstGapMs / dt);
        int[] spikes = CellSpikes(network, probe);
        var burstSpikes = new List<(int Model, int Cell)>();
        foreach ((int s, int e) in CellBursts(spikes, gap).Where(b => b.Last + 1 < spikes.Length))
        {
            int[] free = FreeRunSpikes(network, probe, spikes[s] - (int)Math.Round(10 / dt), spikes[e + 1] + gap, forcedFromTauMs);
            burstSpikes.Add((FirstBurst(free, gap), e - s + 1));
        }

        return $"bank states of τ ≥ {forcedFromTauMs:0} ms from the cell: spikes per burst model {(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Model) : double.NaN):0.00} vs cell " +
            $"{(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Cell) : double.NaN):0.00}";
    }

    /// <summary>The whole free run of the probe (as the verdict runs it) beside the cell: each burst as its start (s) and spike count.</summary>
    private static string[] Timeline(Network network, Dataset probe)
    {
        int warmup = Generalisation.Warmup(network, probe);
        FreeRunResult run = FreeRun.Run(network, probe, warmup);
        double dt = probe.DtMs;
        double[] cell = Spikes.Detect(probe.Neurons[0].V.AsSpan(warmup), dt), model = Spikes.Detect(run.Voltages[0], dt);
        double gap = BurstAnalysis.DefaultGapMs(cell);
        string Bursts(double[] spikes) =>
            string.Join(" ", BurstAnalysis.Groups(spikes, gap).Select(g => $"{(g.Start + warmup * dt) / 1000:0.00}({g.Count})"));

        return [$"cell  bursts, start s (spikes): {Bursts(cell)}", $"model bursts, start s (spikes): {Bursts(model)}"];
    }

    /// <summary>Teacher-forced up to <paramref name="start"/>, then free until <paramref name="end"/>: the free run's spikes (sample indices).</summary>
    /// <remarks>
    /// With <paramref name="forcedFromTauMs"/>, every bank state of that time constant or slower follows the
    /// cell's voltage throughout (a teacher-forced twin's states are copied in after every step), so the
    /// free run tells whether the slow states, fed by the model's own spikes, are what ends its bursts early.
    /// </remarks>
    private static int[] FreeRunSpikes(Network network, Dataset probe, int start, int end, double forcedFromTauMs = double.PositiveInfinity)
    {
        float[] v = probe.Neurons[0].V, current = probe.Neurons[0].I;
        end = Math.Min(end, v.Length - 1);
        var simulator = new NetworkRunner(network);
        var twin = new NetworkRunner(network);
        (int Current, int State)[] forced = simulator.Currents
            .SelectMany((c, ci) => c.Bank.Spec.TauMs.Select((tau, i) => (Tau: tau, Current: ci, State: i)))
            .Where(x => x.Tau >= forcedFromTauMs).Select(x => (x.Current, x.State)).ToArray();
        simulator.Reset([v[0]]);
        twin.Reset([v[0]]);
        float[] run = new float[end - start + 1];
        for (int k = 0; k < end; k++)
        {
            if (k < start)
            {
                simulator.Step([current[k]], [v[k]], 1f);
            }
            else
            {
                run[k - start] = simulator.Voltages[0];
                simulator.Step([current[k]], [], 0f);
            }

            if (forced.Length > 0)
            {
                twin.Step([current[k]], [v[k]], 1f);
                if (k >= start)
                {
                    foreach ((int c, int i) in forced) { simulator.BankState(c)[i] = twin.BankState(c)[i]; }
                }
            }
        }

        run[^1] = simulator.Voltages[0];
        return Samples(Spikes.Detect(run, probe.DtMs), probe.DtMs, start);
    }

    /// <summary>Spike times (ms from <paramref name="offset"/>) as the sample index at or after each.</summary>
    private static int[] Samples(double[] timesMs, double dtMs, int offset) => timesMs.Select(t => offset + (int)Math.Ceiling(t / dtMs)).ToArray();
}
