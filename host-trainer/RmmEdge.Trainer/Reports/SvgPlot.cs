using System.Globalization;
using System.Text;

namespace RmmEdge.Trainer.Reports;

/// <summary>One line of a plot: x and y values of equal length, a legend name and a CSS colour.</summary>
public sealed record Series(string Name, double[] X, double[] Y, string Color, bool Dashed = false);

/// <summary>
/// A line plot rendered as standalone SVG (no script, no external resources), for reports that open
/// offline in any browser. Long traces are reduced to the minimum and maximum of each pixel column,
/// so a 200,000-sample voltage trace keeps every spike yet costs a few kilobytes.
/// </summary>
public sealed class SvgPlot
{
    private const int Left = 64, Right = 16, Top = 40, Bottom = 44;
    private static int _lastId;
    private readonly List<Series> _series = [];
    private readonly int _id = Interlocked.Increment(ref _lastId);   // unique clip-path id within a page

    public SvgPlot(string title, string xLabel, string yLabel, int width = 900, int height = 260)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
        Width = width;
        Height = height;
    }

    public string Title { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Log-scaled y axis (values ≤ 0 are skipped).</summary>
    public bool LogY { get; init; }

    public SvgPlot Add(Series series)
    {
        if (series.X.Length != series.Y.Length)
        {
            throw new ArgumentException($"series {series.Name}: {series.X.Length} x values but {series.Y.Length} y values");
        }

        _series.Add(series);
        return this;
    }

    public SvgPlot Add(string name, double[] x, double[] y, string color, bool dashed = false) => Add(new Series(name, x, y, color, dashed));

    public string Render()
    {
        double Y(double y) => LogY ? Math.Log10(y) : y;
        var finite = _series.SelectMany(s => s.X.Zip(s.Y)).Where(p => double.IsFinite(p.First) && double.IsFinite(p.Second) && (!LogY || p.Second > 0)).ToList();
        double x0 = finite.Count > 0 ? finite.Min(p => p.First) : 0, x1 = finite.Count > 0 ? finite.Max(p => p.First) : 1;
        double y0 = finite.Count > 0 ? finite.Min(p => Y(p.Second)) : 0, y1 = finite.Count > 0 ? finite.Max(p => Y(p.Second)) : 1;
        if (x1 <= x0) { x1 = x0 + 1; }
        if (y1 <= y0) { y0 -= 0.5; y1 += 0.5; }
        double pad = 0.04 * (y1 - y0);
        y0 -= pad;
        y1 += pad;
        int plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double x) => Left + (x - x0) / (x1 - x0) * plotW;
        double Py(double y) => Top + (1 - (Y(y) - y0) / (y1 - y0)) * plotH;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 {Width} {Height}\" width=\"100%\" role=\"img\" aria-label=\"{Escape(Title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"18\" class=\"title\">{Escape(Title)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" class=\"frame\"/>");
        foreach (double t in Ticks(x0, x1, 8))
        {
            double px = Px(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{px:0.#}\" y1=\"{Top}\" x2=\"{px:0.#}\" y2=\"{Top + plotH}\" class=\"grid\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{px:0.#}\" y=\"{Top + plotH + 16}\" class=\"tick\" text-anchor=\"middle\">{Format(t)}</text>");
        }

        foreach (double t in LogY ? LogTicks(y0, y1) : Ticks(y0, y1, 5))
        {
            double py = Top + (1 - (t - y0) / (y1 - y0)) * plotH;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" y1=\"{py:0.#}\" x2=\"{Left + plotW}\" y2=\"{py:0.#}\" class=\"grid\"/>");
            string label = LogY ? Format(Math.Pow(10, t)) : Format(t);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{py + 4:0.#}\" class=\"tick\" text-anchor=\"end\">{label}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 8}\" class=\"label\" text-anchor=\"middle\">{Escape(XLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(14 {Top + plotH / 2}) rotate(-90)\" class=\"label\" text-anchor=\"middle\">{Escape(YLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"c{_id}\"><rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\"/></clipPath>");
        for (int s = 0; s < _series.Count; s++)
        {
            Series series = _series[s];
            string points = Polyline(series, Px, Py, x0, x1, plotW);
            string dash = series.Dashed ? " stroke-dasharray=\"5 3\"" : "";
            svg.Append(CultureInfo.InvariantCulture, $"<polyline clip-path=\"url(#c{_id})\" class=\"series\" stroke=\"{series.Color}\"{dash} points=\"{points}\"/>");
            // Legend entries side by side under the title, right-aligned to the frame: never over the data, never off the page.
            // A series without a name (one of many of a kind, such as the sweeps of an overlay) has none.
            if (series.Name.Length == 0)
            {
                continue;
            }

            double lx = LegendX(s);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{lx:0.#}\" y1=\"{Top - 10}\" x2=\"{lx + 18:0.#}\" y2=\"{Top - 10}\" stroke=\"{series.Color}\" stroke-width=\"2\"{dash}/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{lx + 22:0.#}\" y=\"{Top - 6}\" class=\"legend\">{Escape(series.Name)}</text>");
        }

        svg.Append("</svg>");
        return svg.ToString();

        string Polyline(Series series, Func<double, double> px, Func<double, double> py, double from, double to, int columns)
        {
            var text = new StringBuilder();
            int n = series.X.Length;
            if (n <= 2 * columns)
            {
                for (int i = 0; i < n; i++)
                {
                    if (Plottable(series.Y[i])) { text.Append(CultureInfo.InvariantCulture, $"{px(series.X[i]):0.#},{py(series.Y[i]):0.#} "); }
                }

                return text.ToString();
            }

            // Min and max per pixel column, in the order they occur: spikes survive the reduction.
            int start = 0;
            for (int c = 0; c < columns && start < n; c++)
            {
                double edge = from + (to - from) * (c + 1) / columns;
                int end = start;
                int iMin = -1, iMax = -1;
                while (end < n && (series.X[end] <= edge || c == columns - 1))
                {
                    if (Plottable(series.Y[end]))
                    {
                        if (iMin < 0 || series.Y[end] < series.Y[iMin]) { iMin = end; }
                        if (iMax < 0 || series.Y[end] > series.Y[iMax]) { iMax = end; }
                    }

                    end++;
                }

                if (iMin >= 0)
                {
                    int a = Math.Min(iMin, iMax), b = Math.Max(iMin, iMax);
                    text.Append(CultureInfo.InvariantCulture, $"{px(series.X[a]):0.#},{py(series.Y[a]):0.#} ");
                    if (b != a) { text.Append(CultureInfo.InvariantCulture, $"{px(series.X[b]):0.#},{py(series.Y[b]):0.#} "); }
                }

                start = Math.Max(end, start + 1);
            }

            return text.ToString();
        }

        bool Plottable(double y) => double.IsFinite(y) && (!LogY || y > 0);
    }

    /// <summary>Left end of legend entry <paramref name="index"/>: entries end at the frame's right edge (about 6 px per character).</summary>
    private double LegendX(int index)
    {
        double x = Width - Right;
        for (int s = _series.Count - 1; s >= index; s--)
        {
            x -= _series[s].Name.Length == 0 ? 0 : 22 + 6 * _series[s].Name.Length + 14;
        }

        return x + 14;
    }

    /// <summary>About <paramref name="count"/> round tick values (1, 2, 5 × 10^k steps) within [a, b].</summary>
    public static IEnumerable<double> Ticks(double a, double b, int count)
    {
        double raw = (b - a) / count;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(a / step) * step; t <= b + 1e-9 * step; t += step)
        {
            yield return Math.Abs(t) < 1e-12 * step ? 0 : t;
        }
    }

    /// <summary>Ticks of a log axis given in log10 units: 1, 2, 5 × 10^k within [a, b] (decades only when wide).</summary>
    private static List<double> LogTicks(double a, double b)
    {
        double[] mantissas = b - a > 3 ? [1] : [1, 2, 5];
        var ticks = new List<double>();
        for (int k = (int)Math.Floor(a); k <= (int)Math.Ceiling(b); k++)
        {
            foreach (double m in mantissas)
            {
                double t = k + Math.Log10(m);
                if (t >= a && t <= b) { ticks.Add(t); }
            }
        }

        // A range narrower than one 1-2-5 step still gets labelled, at its ends.
        return ticks.Count >= 2 ? ticks : [a, b];
    }

    private static string Format(double v) => v.ToString(Math.Abs(v) >= 1e4 || (Math.Abs(v) < 1e-3 && v != 0) ? "0.##E0" : "0.###", CultureInfo.InvariantCulture);

    public static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
