using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// A spike-rate envelope for multiple shooting's loss: the spike activity a(v) = σ((v − θ)/k) (θ −20 mV, k 3 mV, as the
/// spike-activity banks' drive) low-passed with time constant τ, r[k+1] = r[k] + α·(a(v[k]) − r[k]), α = dt/τ, scaled by
/// <see cref="ScaleMv"/> so that its error counts in mV beside the voltage's. A free run that fires the cell's bursts a few
/// milliseconds off costs little; one that stays silent through a burst, fires too many spikes or sits on a plateau above
/// θ costs in proportion to the missing or extra activity. The clipped voltage (<see cref="MultipleShootingOptions.ClipAboveMv"/>)
/// cannot tell a plateau from a burst; the whole voltage punishes a spike a millisecond off twice, which pushes a spiking
/// model to silence.
/// </summary>
public sealed record SpikeEnvelope(double TauMs, float ScaleMv)
{
    /// <summary>α = dt/τ, the envelope's step weight.</summary>
    public float Alpha(double dtMs) => (float)Math.Min(1, dtMs / TauMs);

    /// <summary>The spike activity a(v) (<see cref="CurrentSpec.SpikeActivity"/> at its defaults).</summary>
    public float Activity(float v) => CurrentSpec.SpikeActivity(v);

    /// <summary>da/dv = a(1 − a)/k.</summary>
    public float ActivitySlope(float v)
    {
        float a = Activity(v);
        return a * (1f - a) / (float)CurrentSpec.SpikeSlopeMv;
    }

    /// <summary>The envelope of a measured voltage over a record, starting at 0 at every segment's first sample.</summary>
    public float[] OfRecord(float[] v, IReadOnlyList<Segment> segments, double dtMs)
    {
        float alpha = Alpha(dtMs);
        var r = new float[v.Length];
        foreach (Segment g in segments)
        {
            float value = 0;
            for (int k = g.Start; k < g.End; k++)
            {
                r[k] = value;
                value += alpha * (Activity(v[k]) - value);
            }
        }

        return r;
    }
}
