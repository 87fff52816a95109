using System.Globalization;

namespace RmmEdge.Rig.Board;

/// <summary>
/// The host's bounds on what it asks a board (or the emulated board) to do, checked before anything is
/// sent or run; each message names the command-line option. The board checks its own invariants again
/// (RunConfiguration.Decode: limits that bracket zero, a non-empty valid range); these bounds keep every
/// value inside the Q15.16 numbers it travels in and inside what a preparation can take.
/// </summary>
public static class RunLimits
{
    /// <summary>Largest injected-current limit (nA) the host accepts.</summary>
    public const double MaxCurrentNa = 100;

    /// <summary>Largest magnitude (mV) of a valid-range bound: far inside Q15.16's ±32,767 mV.</summary>
    public const double MaxValidMv = 1000;

    /// <summary>Loop periods the host accepts (µs): 1 MHz down to 1 Hz.</summary>
    public const uint MinPeriodUs = 1, MaxPeriodUs = 1_000_000;

    /// <summary>Longest emulated run (s): the record keeps every step, about 32 bytes each (190 MB at 10 kHz).</summary>
    public const double MaxEmulatedSeconds = 600;

    public static void CheckCurrentLimit(double limitNa)
    {
        if (!(limitNa > 0 && limitNa <= MaxCurrentNa))
        {
            throw new UserError(Invariant($"--current-limit {limitNa}: expected a magnitude above 0 and at most {MaxCurrentNa} nA"));
        }
    }

    /// <summary>Parses and checks --valid-range MIN:MAX (mV).</summary>
    public static (double MinMv, double MaxMv) ParseValidRange(string text) => RangeText.Parse(text, "--valid-range", "mV", MaxValidMv, "-120:60");

    public static void CheckPeriod(uint periodUs)
    {
        if (periodUs < MinPeriodUs || periodUs > MaxPeriodUs)
        {
            throw new UserError(Invariant($"--period-us {periodUs}: expected {MinPeriodUs}–{MaxPeriodUs:N0} µs (and equal to the model's step)"));
        }
    }

    public static void CheckEmulatedTime(double seconds, double? electrodeLossAtS)
    {
        if (!(seconds > 0 && seconds <= MaxEmulatedSeconds))
        {
            throw new UserError(Invariant($"--seconds {seconds}: expected above 0 and at most {MaxEmulatedSeconds} s of emulated time"));
        }

        if (electrodeLossAtS is double at && !(at >= 0 && at <= seconds))
        {
            throw new UserError(Invariant($"--electrode-loss-at {at}: expected a time within the run, 0–{seconds} s"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
