using System.Numerics;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Evaluation;

/// <summary>Settings of the authors' spike-sensitive validation metric (rmm-facts.md §2).</summary>
/// <param name="LowHz">Band-pass lower edge.</param>
/// <param name="HighHz">Band-pass upper edge.</param>
/// <param name="Order">Butterworth order of each edge (high-pass and low-pass cascaded).</param>
/// <param name="ThresholdMv">θ in relu(v − θ) after band-pass.</param>
/// <param name="SigmaMs">Standard deviation of the Gaussian smoothing kernel.</param>
public sealed record SpikeMetricSettings(double LowHz = 20, double HighHz = 500, int Order = 6, double ThresholdMv = 2, double SigmaMs = 20)
{
    /// <summary>The LP–PD settings of the PNAS paper.</summary>
    public static SpikeMetricSettings Lp { get; } = new();
}

/// <summary>
/// The authors' validation metric: each voltage trace is band-passed with a zero-phase Butterworth
/// filter, thresholded (relu(v − θ)), smoothed with a Gaussian kernel, and the two results a, b are
/// compared by the angular separation ⟨a, b⟩ / max(‖a‖², ‖b‖²): 1 = identical, 0 = no overlap.
/// </summary>
public static class SpikeSensitiveMetric
{
    public static double AngularSeparation(ReadOnlySpan<float> data, ReadOnlySpan<float> model, double dtMs, SpikeMetricSettings s) =>
        AngularSeparation(Feature(data, dtMs, s), model, dtMs, s);

    /// <summary>The same, with the data's <see cref="Feature"/> already computed (it is the same for every model scored on that data).</summary>
    public static double AngularSeparation(double[] dataFeature, ReadOnlySpan<float> model, double dtMs, SpikeMetricSettings s)
    {
        double[] a = dataFeature;
        double[] b = Feature(model, dtMs, s);
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"data feature of {a.Length} samples against a model trace of {b.Length}", nameof(dataFeature));
        }

        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }

        double denominator = Math.Max(aa, bb);
        return denominator > 0 ? ab / denominator : (aa == bb ? 1 : 0);
    }

    /// <summary>Band-pass → relu(· − θ) → Gaussian smoothing.</summary>
    public static double[] Feature(ReadOnlySpan<float> v, double dtMs, SpikeMetricSettings s)
    {
        double fs = 1000.0 / dtMs;
        double[] x = new double[v.Length];
        for (int i = 0; i < x.Length; i++) { x[i] = v[i]; }

        double high = Math.Min(s.HighHz, 0.45 * fs);
        Butterworth.FiltFilt(Butterworth.HighPass(s.Order, s.LowHz, fs), x);
        Butterworth.FiltFilt(Butterworth.LowPass(s.Order, high, fs), x);
        for (int i = 0; i < x.Length; i++) { x[i] = Math.Max(0, x[i] - s.ThresholdMv); }

        return GaussianSmooth(x, s.SigmaMs / dtMs);
    }

    /// <summary>Convolution with a normalised Gaussian of σ samples, truncated at ±4σ, zero outside the record.</summary>
    public static double[] GaussianSmooth(double[] x, double sigmaSamples)
    {
        int half = (int)Math.Ceiling(4 * sigmaSamples);
        double[] kernel = new double[2 * half + 1];
        double sum = 0;
        for (int i = -half; i <= half; i++)
        {
            kernel[i + half] = Math.Exp(-0.5 * i * i / (sigmaSamples * sigmaSamples));
            sum += kernel[i + half];
        }

        for (int i = 0; i < kernel.Length; i++) { kernel[i] /= sum; }

        // Only nonzero inputs contribute: thresholded traces are mostly zero, so scatter them.
        double[] y = new double[x.Length];
        for (int n = 0; n < x.Length; n++)
        {
            double xn = x[n];
            if (xn == 0)
            {
                continue;
            }

            int lo = Math.Max(0, n - half), hi = Math.Min(x.Length - 1, n + half);
            int m = lo;
            if (Vector.IsHardwareAccelerated)
            {
                // Every y[m] gets the same rounded product added as in the loop below: bit-identical, several m at once.
                var scale = new Vector<double>(xn);
                for (; m + Vector<double>.Count <= hi + 1; m += Vector<double>.Count)
                {
                    Vector.Add(new Vector<double>(y, m), Vector.Multiply(scale, new Vector<double>(kernel, m - n + half))).CopyTo(y, m);
                }
            }

            for (; m <= hi; m++)
            {
                y[m] += xn * kernel[m - n + half];
            }
        }

        return y;
    }
}

/// <summary>
/// The data side of <see cref="SpikeSensitiveMetric.AngularSeparation(ReadOnlySpan{float}, ReadOnlySpan{float}, double, SpikeMetricSettings)"/>
/// for records scored again and again (snapshot selection scores every snapshot on the same segments):
/// each data trace's feature is computed once, by trace and first sample. Thread-safe.
/// </summary>
public sealed class DataFeatures
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(float[] Trace, int Start, double DtMs, SpikeMetricSettings Settings), double[]> _features =
        new(new TraceKeyComparer());

    public double[] Of(float[] trace, int start, double dtMs, SpikeMetricSettings settings) =>
        _features.GetOrAdd((trace, start, dtMs, settings), key => SpikeSensitiveMetric.Feature(key.Trace.AsSpan(key.Start), key.DtMs, key.Settings));

    /// <summary>Traces by reference (a record's arrays are not changed while it is scored), the rest by value.</summary>
    private sealed class TraceKeyComparer : IEqualityComparer<(float[] Trace, int Start, double DtMs, SpikeMetricSettings Settings)>
    {
        public bool Equals((float[] Trace, int Start, double DtMs, SpikeMetricSettings Settings) x, (float[] Trace, int Start, double DtMs, SpikeMetricSettings Settings) y) =>
            ReferenceEquals(x.Trace, y.Trace) && x.Start == y.Start && x.DtMs == y.DtMs && Equals(x.Settings, y.Settings);

        public int GetHashCode((float[] Trace, int Start, double DtMs, SpikeMetricSettings Settings) key) =>
            HashCode.Combine(System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(key.Trace), key.Start, key.DtMs, key.Settings);
    }
}
