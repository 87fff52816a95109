using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// The electrode's series (bridge) resistance in a single-electrode current-clamp recording: the
/// recorded voltage is the membrane's plus R·I, so it jumps with every change of the injected current
/// (QSNMC 2007: corr(I, V) at lag 0 about 0.7). A membrane model cannot jump with I; removing R·I from
/// the recorded voltage gives it the membrane's voltage to fit and to be judged on. MΩ × nA = mV.
/// </summary>
public static class SeriesResistance
{
    /// <summary>Samples with a voltage above this are in a spike and left out of the estimate (mV).</summary>
    public const float SpikeMv = -30;

    /// <summary>
    /// The least-squares slope of the voltage's sample-to-sample changes on the current's (MΩ) of
    /// neuron <paramref name="neuron"/>, within segments and outside spikes: the membrane's own response
    /// within one sample is small (dt / C), so what follows the current at once is the electrode. NaN
    /// when the current never changes.
    /// </summary>
    public static double Estimate(Dataset data, int neuron)
    {
        float[] v = data.Neurons[neuron].V, i = data.Neurons[neuron].I;
        double sumVi = 0, sumIi = 0;
        foreach (Segment segment in data.Segments)
        {
            for (int k = segment.Start; k + 1 < segment.End; k++)
            {
                if (v[k] > SpikeMv || v[k + 1] > SpikeMv)
                {
                    continue;
                }

                double dI = i[k + 1] - i[k], dV = v[k + 1] - v[k];
                sumVi += dV * dI;
                sumIi += dI * dI;
            }
        }

        return sumIi > 0 ? sumVi / sumIi : double.NaN;
    }

    /// <summary>The record with R·I removed from every neuron's voltage (<paramref name="megaohms"/> per neuron).</summary>
    public static Dataset Remove(Dataset data, IReadOnlyList<double> megaohms)
    {
        if (megaohms.Count != data.Neurons.Count || megaohms.Any(r => !double.IsFinite(r) || Math.Abs(r) > 1000))
        {
            throw new UserError($"{data.Source}: series resistance {string.Join(", ", megaohms.Select(r => $"{r:0.###}"))} MΩ; expected one finite value within ±1000 MΩ per neuron");
        }

        var neurons = data.Neurons.Select((t, n) =>
        {
            float[] v = new float[t.V.Length];
            for (int k = 0; k < v.Length; k++) { v[k] = (float)(t.V[k] - megaohms[n] * t.I[k]); }
            return new NeuronTrace(t.Name, v, t.I);
        }).ToArray();
        string note = string.Join(", ", megaohms.Select(r => $"{r:0.##} MΩ"));
        return new Dataset($"{data.Source} (series resistance {note} removed)", data.DtMs, neurons, data.Extra, data.Segments);
    }
}
