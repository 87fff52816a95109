using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Trainer.Simulation;

/// <summary>A simulated circuit recorded as a current-clamp data set, the way the trainer reads a lab's recording.</summary>
public static class CircuitRecording
{
    /// <summary>
    /// Records <paramref name="stimulus"/>[i].Length samples at <paramref name="dtMs"/>: V (mV) and I (nA)
    /// per neuron as V1/I1, V2/I2 … (V/I for a single neuron), plus Isyn1, Isyn2 … (true synaptic
    /// current into each neuron) when there are synapses.
    /// </summary>
    public static Dataset Record(this Circuit circuit, float[][] stimulus, double dtMs, string source)
    {
        int n = circuit.NeuronCount, length = stimulus[0].Length;
        float[][] v = Enumerable.Range(0, n).Select(_ => new float[length]).ToArray();
        float[][] syn = Enumerable.Range(0, n).Select(_ => new float[length]).ToArray();
        double[] injected = new double[n];
        for (int k = 0; k < length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                v[i][k] = (float)circuit.Voltage(i);
                syn[i][k] = (float)circuit.SynapticCurrent(i);
                injected[i] = stimulus[i][k];
            }

            circuit.Advance(dtMs, injected);
        }

        var traces = Enumerable.Range(0, n).Select(i => new NeuronTrace(n == 1 ? "neuron" : $"neuron{i + 1}", v[i], stimulus[i])).ToArray();
        var extra = circuit.Synapses.Count == 0
            ? new Dictionary<string, float[]>()
            : Enumerable.Range(0, n).ToDictionary(i => $"Isyn{i + 1}", i => syn[i]);
        return new Dataset(source, dtMs, traces, extra);
    }
}
