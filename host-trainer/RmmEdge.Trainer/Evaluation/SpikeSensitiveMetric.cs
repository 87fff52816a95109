using System.Numerics;

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
    public static double AngularSeparation(ReadOnlySpan<float> data, ReadOnlySpan<float> model, double dtMs, SpikeMetricSettings s)
    {
        double[] a = Feature(data, dtMs, s);
        double[] b = Feature(model, dtMs, s);
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
/// Butterworth filters as cascades of second-order sections (bilinear transform with pre-warping),
/// and zero-phase filtering (forward then backward, with odd-reflection padding at both ends).
/// </summary>
public static class Butterworth
{
    /// <summary>One section: y = b0 x + b1 x₁ + b2 x₂ − a1 y₁ − a2 y₂ (b2 = a2 = 0 for first order).</summary>
    public readonly record struct Section(double B0, double B1, double B2, double A1, double A2);

    public static Section[] LowPass(int order, double cutoffHz, double sampleHz) => Design(order, cutoffHz, sampleHz, highPass: false);

    public static Section[] HighPass(int order, double cutoffHz, double sampleHz) => Design(order, cutoffHz, sampleHz, highPass: true);

    private static Section[] Design(int order, double fc, double fs, bool highPass)
    {
        if (order < 1 || !(fc > 0 && fc < fs / 2))
        {
            throw new ArgumentOutOfRangeException(nameof(fc), $"cutoff {fc} Hz must lie in (0, {fs / 2}) Hz; order {order} ≥ 1");
        }

        double k = Math.Tan(Math.PI * fc / fs);
        var sections = new List<Section>();
        for (int i = 1; i <= order / 2; i++)
        {
            double q = 1 / (2 * Math.Sin((2 * i - 1) * Math.PI / (2 * order)));
            double norm = 1 / (1 + k / q + k * k);
            double a1 = 2 * (k * k - 1) * norm, a2 = (1 - k / q + k * k) * norm;
            sections.Add(highPass
                ? new Section(norm, -2 * norm, norm, a1, a2)
                : new Section(k * k * norm, 2 * k * k * norm, k * k * norm, a1, a2));
        }

        if (order % 2 == 1)
        {
            double a1 = (k - 1) / (k + 1);
            sections.Add(highPass
                ? new Section(1 / (1 + k), -1 / (1 + k), 0, a1, 0)
                : new Section(k / (1 + k), k / (1 + k), 0, a1, 0));
        }

        return sections.ToArray();
    }

    /// <summary>In place, causal.</summary>
    public static void Filter(Section[] sections, Span<double> x)
    {
        foreach (Section s in sections)
        {
            double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
            for (int n = 0; n < x.Length; n++)
            {
                double xn = x[n];
                double yn = s.B0 * xn + s.B1 * x1 + s.B2 * x2 - s.A1 * y1 - s.A2 * y2;
                x2 = x1; x1 = xn; y2 = y1; y1 = yn;
                x[n] = yn;
            }
        }
    }

    /// <summary>In place, zero phase: forward and backward passes over an odd-reflection-padded copy.</summary>
    public static void FiltFilt(Section[] sections, double[] x)
    {
        if (x.Length < 2)
        {
            return;
        }

        int pad = Math.Min(x.Length - 1, 3 * 2 * sections.Length * 10);
        double[] y = new double[x.Length + 2 * pad];
        for (int i = 0; i < pad; i++)
        {
            y[pad - 1 - i] = 2 * x[0] - x[i + 1];
            y[pad + x.Length + i] = 2 * x[^1] - x[x.Length - 2 - i];
        }

        x.CopyTo(y, pad);
        Filter(sections, y);
        Array.Reverse(y);
        Filter(sections, y);
        Array.Reverse(y);
        Array.Copy(y, pad, x, 0, x.Length);
    }
}
