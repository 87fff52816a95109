using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench anatomy --models DIR [--cells a,…] [--seeds 1]`: where a model of a catalogue cell
/// (DIR/CELL-seedN.rmm.json, as `generalisation --models DIR` saves them) goes wrong on each probe
/// (Generalisation.Probes), in three views:
/// <list type="bullet">
/// <item>the one-step (teacher-forced) error of dv/dt on slow samples (below −40 mV, mean slope over 1 ms
/// under 0.3 mV/ms): its mean and RMS against the cell's own mean |dv/dt| there;</item>
/// <item>bursts: from the cell's state 10 ms before a burst's first spike, the free run's spikes until a
/// 100 ms gap, against the cell's burst;</item>
/// <item>interbursts: from the cell's state 20 ms after a burst's last spike, the free run's time to its next
/// spike against the cell's.</item>
/// </list>
/// A burst or interburst that is right from the cell's state but wrong in a free run is an error that
/// compounds from cycle to cycle. Spikes: Spikes.Detect (metrics.md: −20 mV, re-armed below −35 mV);
/// bursts: spikes closer than 100 ms.
/// </summary>
public static class FreeRunAnatomyBench
{
    private const double BurstGapMs = 100;

    public static void Run(string directory, IReadOnlyList<string> cells, int[] seeds, TextWriter output)
    {
        foreach (string cell in cells)
        {
            Dictionary<string, Dataset> probes = Generalisation.Probes(cell);
            foreach (int seed in seeds)
            {
                string path = Path.Combine(directory, $"{cell}-seed{seed}.rmm.json");
                Network network = ModelFile.Load(path);
                output.WriteLine($"{path}:");
                foreach ((string name, Dataset probe) in probes)
                {
                    output.WriteLine($"  {name,-6} {OneStep(network, probe)}");
                    output.WriteLine($"         {FromTheCellsState(network, probe)}");
                }
            }
        }
    }

    private static string OneStep(Network network, Dataset probe)
    {
        float[] v = probe.Neurons[0].V, current = probe.Neurons[0].I;
        float dt = (float)probe.DtMs;
        int window = (int)Math.Round(1 / dt);
        var simulator = new Simulator(network);
        simulator.Reset([v[0]]);
        double errorSum = 0, squareSum = 0, slopeSum = 0;
        int count = 0;
        for (int k = 0; k + window < v.Length; k++)
        {
            simulator.Step([current[k]], [v[k]], 1f);
            float slope = (v[k + 1] - v[k]) / dt;
            if (k >= network.WarmupSamples && v[k] < -40 && Math.Abs((v[k + window] - v[k]) / (window * dt)) < 0.3f)
            {
                double error = simulator.Derivatives[0] - slope;
                errorSum += error;
                squareSum += error * error;
                slopeSum += Math.Abs(slope);
                count++;
            }
        }

        return $"one-step dv/dt on {count} slow samples: error mean {errorSum / count:+0.000;-0.000}, RMS {Math.Sqrt(squareSum / count):0.000} mV/ms " +
            $"against the cell's mean |dv/dt| {slopeSum / count:0.000}";
    }

    private static string FromTheCellsState(Network network, Dataset probe)
    {
        float[] v = probe.Neurons[0].V;
        double dt = probe.DtMs;
        int gap = (int)Math.Round(BurstGapMs / dt);
        int[] spikes = Samples(Spikes.Detect(v.AsSpan(network.WarmupSamples), dt), dt, network.WarmupSamples);
        var burstSpikes = new List<(int Model, int Cell)>();
        var interburst = new List<double>();
        for (int s = 1; s < spikes.Length; s++)
        {
            if (spikes[s] - spikes[s - 1] < gap)
            {
                continue;
            }

            // The interburst that ends at spike s, from 20 ms after the burst before it.
            int start = spikes[s - 1] + (int)Math.Round(20 / dt);
            int[] free = FreeRunSpikes(network, probe, start, start + 4 * (spikes[s] - start));
            interburst.Add(free.Length > 0 ? (double)(free[0] - start) / (spikes[s] - start) : double.PositiveInfinity);

            // The burst s..e, from 10 ms before it, to its first gap.
            int e = s;
            while (e + 1 < spikes.Length && spikes[e + 1] - spikes[e] < gap) { e++; }
            if (e + 1 < spikes.Length)
            {
                free = FreeRunSpikes(network, probe, spikes[s] - (int)Math.Round(10 / dt), spikes[e + 1] + gap);
                int count = free.Length == 0 ? 0 : 1;
                while (count < free.Length && free[count] - free[count - 1] < gap) { count++; }
                burstSpikes.Add((count, e - s + 1));
            }
        }

        interburst.Sort();
        return $"from the cell's state: bursts {burstSpikes.Count}, spikes per burst model {(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Model) : double.NaN):0.00} vs cell " +
            $"{(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Cell) : double.NaN):0.00}; interbursts {interburst.Count}, model/cell time to the next spike median " +
            $"{(interburst.Count > 0 ? interburst[interburst.Count / 2] : double.NaN):0.000}";
    }

    /// <summary>Teacher-forced up to <paramref name="start"/>, then free until <paramref name="end"/>: the free run's spikes (sample indices).</summary>
    private static int[] FreeRunSpikes(Network network, Dataset probe, int start, int end)
    {
        float[] v = probe.Neurons[0].V, current = probe.Neurons[0].I;
        end = Math.Min(end, v.Length - 1);
        var simulator = new Simulator(network);
        simulator.Reset([v[0]]);
        for (int k = 0; k < start; k++) { simulator.Step([current[k]], [v[k]], 1f); }
        float[] run = new float[end - start + 1];
        run[0] = simulator.Voltages[0];
        for (int k = start; k < end; k++)
        {
            simulator.Step([current[k]], [], 0f);
            run[k - start + 1] = simulator.Voltages[0];
        }

        return Samples(Spikes.Detect(run, probe.DtMs), probe.DtMs, start);
    }

    /// <summary>Spike times (ms from <paramref name="offset"/>) as the sample index at or after each.</summary>
    private static int[] Samples(double[] timesMs, double dtMs, int offset) => timesMs.Select(t => offset + (int)Math.Ceiling(t / dtMs)).ToArray();
}
