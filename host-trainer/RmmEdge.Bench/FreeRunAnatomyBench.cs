using RmmEdge.Trainer.Data;
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
/// compounds from cycle to cycle. Spikes: upward −20 mV crossings re-armed below −35 mV (metrics.md);
/// bursts: spikes closer than 100 ms.
/// </summary>
public static class FreeRunAnatomyBench
{
    private const float Threshold = -20f, Rearm = -35f, BurstGapMs = 100f;

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
        int gap = (int)Math.Round(BurstGapMs / probe.DtMs);
        List<int> spikes = Spikes(v, network.WarmupSamples);
        var burstSpikes = new List<(int Model, int Cell)>();
        var interburst = new List<double>();
        for (int s = 1; s < spikes.Count; s++)
        {
            if (spikes[s] - spikes[s - 1] < gap)
            {
                continue;
            }

            // Burst s..e of the cell, preceded by a gap; the interburst that ends at s began after burst …s−1.
            int start = spikes[s - 1] + (int)Math.Round(20 / probe.DtMs);
            int? first = FreeRun(network, probe, start, start + 4 * (spikes[s] - start), gap).FirstOrDefault(-1) is int f && f >= 0 ? f : null;
            interburst.Add(first is int m ? (double)(m - start) / (spikes[s] - start) : double.PositiveInfinity);

            int e = s;
            while (e + 1 < spikes.Count && spikes[e + 1] - spikes[e] < gap) { e++; }
            if (e + 1 < spikes.Count)
            {
                burstSpikes.Add((FreeRun(network, probe, spikes[s] - (int)Math.Round(10 / probe.DtMs), spikes[e + 1] + gap, gap).Count, e - s + 1));
            }
        }

        interburst.Sort();
        return $"from the cell's state: bursts {burstSpikes.Count}, spikes per burst model {(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Model) : double.NaN):0.00} vs cell " +
            $"{(burstSpikes.Count > 0 ? burstSpikes.Average(b => b.Cell) : double.NaN):0.00}; interbursts {interburst.Count}, model/cell time to the next spike median " +
            $"{(interburst.Count > 0 ? interburst[interburst.Count / 2] : double.NaN):0.000}";
    }

    /// <summary>Teacher-forced up to <paramref name="start"/>, then free: the free run's spikes until <paramref name="end"/> or the first gap after a spike.</summary>
    private static List<int> FreeRun(Network network, Dataset probe, int start, int end, int gap)
    {
        float[] v = probe.Neurons[0].V, current = probe.Neurons[0].I;
        var simulator = new Simulator(network);
        simulator.Reset([v[0]]);
        for (int k = 0; k < start; k++) { simulator.Step([current[k]], [v[k]], 1f); }
        var spikes = new List<int>();
        bool armed = simulator.Voltages[0] < Rearm;
        for (int k = start; k < Math.Min(end, v.Length - 1); k++)
        {
            simulator.Step([current[k]], [], 0f);
            float model = simulator.Voltages[0];
            if (armed && model > Threshold) { spikes.Add(k + 1); armed = false; }
            else if (model < Rearm) { armed = true; }
            if (spikes.Count > 0 && k + 1 - spikes[^1] > gap) { break; }
        }

        return spikes;
    }

    private static List<int> Spikes(float[] v, int from)
    {
        var spikes = new List<int>();
        bool armed = false;
        for (int k = from; k < v.Length; k++)
        {
            if (armed && v[k] > Threshold) { spikes.Add(k); armed = false; }
            else if (v[k] < Rearm) { armed = true; }
        }

        return spikes;
    }
}
