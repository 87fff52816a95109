namespace RmmEdge.Trainer.Data;

/// <summary>Unit conversion on import: voltages to mV, currents to nA, times to ms.</summary>
public static class Units
{
    /// <summary>
    /// Factor that converts a value in <paramref name="unit"/> to the canonical unit of its quantity,
    /// and that canonical unit; null when the unit is not a voltage, current or time.
    /// </summary>
    public static (double Factor, string Canonical)? ToCanonical(string unit) => unit.Trim() switch
    {
        "V" => (1e3, "mV"),
        "mV" => (1, "mV"),
        "uV" or "µV" => (1e-3, "mV"),
        "A" => (1e9, "nA"),
        "mA" => (1e6, "nA"),
        "uA" or "µA" => (1e3, "nA"),
        "nA" => (1, "nA"),
        "pA" => (1e-3, "nA"),
        "s" => (1e3, "ms"),
        "ms" => (1, "ms"),
        "us" or "µs" => (1e-3, "ms"),
        _ => null,
    };
}
