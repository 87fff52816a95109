namespace RmmEdge.Trainer.Numerics;

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
