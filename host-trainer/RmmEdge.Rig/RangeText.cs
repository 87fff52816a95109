using System.Globalization;

namespace RmmEdge.Rig;

/// <summary>A range given on the command line as LOW:HIGH (--valid-range, --range-na): one parser, one message.</summary>
public static class RangeText
{
    /// <summary>
    /// LOW:HIGH with LOW &lt; HIGH, both within ±<paramref name="bound"/>; otherwise a UserError naming
    /// <paramref name="option"/>, the unit, the bound and <paramref name="example"/>.
    /// </summary>
    public static (double Low, double High) Parse(string text, string option, string unit, double bound, string example)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double low)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double high) || !(low < high)
            || !(low >= -bound) || !(high <= bound))
        {
            throw new UserError(string.Create(CultureInfo.InvariantCulture,
                $"{option} {UserError.Printable(text)}: expected MIN:MAX in {unit} with MIN < MAX, both within ±{bound} {unit}, e.g. {example}"));
        }

        return (low, high);
    }

    /// <summary>
    /// V1,V2,… (at least one), each within ±<paramref name="bound"/>; otherwise a UserError naming
    /// <paramref name="option"/>, the unit, the bound and <paramref name="example"/>.
    /// </summary>
    public static float[] ParseList(string text, string option, string unit, double bound, string example)
    {
        string[] parts = text.Split(',');
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(Math.Abs(value) <= bound))
            {
                throw new UserError(string.Create(CultureInfo.InvariantCulture,
                    $"{option} {UserError.Printable(text)}: expected values in {unit} separated by commas, each within ±{bound} {unit}, e.g. {example}"));
            }

            values[i] = (float)value;
        }

        return values;
    }
}
