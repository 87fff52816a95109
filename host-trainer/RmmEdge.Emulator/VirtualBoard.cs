#nullable enable
using RmmEdge.Firmware.Engine;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Numerics;

namespace RmmEdge.Emulator;

/// <summary>
/// Virtual time in microseconds. Reading it costs <see cref="ReadCostUs"/> (the firmware's busy-wait
/// advances time by polling it, as on a board); converters and the model step add their own costs.
/// Only the thread running the firmware advances it; observers use <see cref="Peek"/>.
/// </summary>
public sealed class VirtualClock : IMicrosecondClock
{
    private long _now;

    public double ReadCostUs { get; init; } = 1;

    private double _fraction;

    private volatile bool _frozen;

    /// <summary>
    /// When time reaches this, the reading thread is held (<see cref="Frozen"/> becomes true) until
    /// <see cref="Release"/>: a run ends at the same point of the firmware's execution every time.
    /// </summary>
    public long HoldAtUs { get; set; } = long.MaxValue;

    public bool Frozen => _frozen;

    public long NowUs
    {
        get
        {
            Advance(ReadCostUs);
            if (Volatile.Read(ref _now) >= HoldAtUs)
            {
                _frozen = true;
                while (_frozen) { Thread.Yield(); }
            }

            return Volatile.Read(ref _now);
        }
    }

    /// <summary>Lets a held thread go on (and removes the hold).</summary>
    public void Release()
    {
        HoldAtUs = long.MaxValue;
        _frozen = false;
    }

    public long Peek => Volatile.Read(ref _now);

    public void Advance(double microseconds)
    {
        _fraction += microseconds;
        long whole = (long)_fraction;
        _fraction -= whole;
        Volatile.Write(ref _now, _now + whole);
    }

    public void Set(long microseconds) => Volatile.Write(ref _now, microseconds);
}

/// <summary>Costs and imperfections of the virtual board (defaults from nanoframework-facts.md §3–4 for ESP32 managed code).</summary>
public sealed record VirtualBoardOptions
{
    /// <summary>One AdcChannel.ReadValue from managed code (µs; ≈100–200 on ESP32 through the driver's lock).</summary>
    public double AdcReadUs { get; init; } = 120;

    /// <summary>One DacChannel.WriteValue from managed code (µs).</summary>
    public double DacWriteUs { get; init; } = 120;

    /// <summary>The model step on the board (µs): interpreted for the managed engine, from the cycle budget for the native one.</summary>
    public double StepUs { get; init; } = 100;

    /// <summary>ADC gain and offset errors (fraction; volts) and white noise (volts RMS).</summary>
    public double AdcGainError { get; init; }
    public double AdcOffsetVolts { get; init; }
    public double AdcNoiseVolts { get; init; }

    public int Seed { get; init; } = 1;
}

/// <summary>
/// A board of a profile, in software: converters with their resolution, range, errors, noise and (for
/// the ESP32) the bend of the raw ADC near its ends and the 8-bit masking of the DAC driver; the
/// analog front end of a preset between the converter pins and the preparation; a virtual clock.
/// Every converter call first brings the preparation up to the current virtual time, so the
/// simulated cell and the loop stay in step. Records every DAC write.
/// </summary>
public sealed class VirtualBoard
{
    private static readonly AsyncLocal<VirtualBoard?> Current = new();
    private readonly Random _noise;
    private readonly List<(long TimeUs, int Code, double Input, double Output)> _writes = new();
    private readonly List<(long TimeUs, int Code, double Input, double Output)> _writes2 = new();

    public VirtualBoard(BoardProfile profile, FrontEndPreset preset, IPreparation preparation, VirtualBoardOptions? options = null)
    {
        Profile = profile;
        Preset = preset;
        Preparation = preparation;
        Options = options ?? new VirtualBoardOptions();
        _noise = new Random(Options.Seed);
    }

    /// <summary>The board the device look-alikes on this thread (and threads it starts) talk to.</summary>
    public static VirtualBoard? Active
    {
        get => Current.Value;
        set => Current.Value = value;
    }

    public BoardProfile Profile { get; }
    public FrontEndPreset Preset { get; }
    public IPreparation Preparation { get; }
    public VirtualBoardOptions Options { get; }
    public VirtualClock Clock { get; } = new();

    public int AdcMaxCode => (1 << Profile.Adc.Bits) - 1;
    public int DacMaxCode => (1 << Profile.Dac.Bits) - 1;

    /// <summary>Writes whose code was above the DAC's range (on the ESP32 the driver would wrap them).</summary>
    public int OutOfRangeWrites { get; private set; }

    /// <summary>Codes that reached the virtual amplifier after the driver's masking differed from what was written.</summary>
    public int WrappedWrites { get; private set; }

    /// <summary>The last pin voltage at the DAC (channel 1).</summary>
    public double DacVolts { get; private set; }

    /// <summary>DAC writes of channel 1, with the channel's measured signal and output at the time.</summary>
    public IReadOnlyList<(long TimeUs, int Code, double Input, double Output)> Writes => _writes;

    /// <summary>DAC writes of channel 2 (two-cell runs).</summary>
    public IReadOnlyList<(long TimeUs, int Code, double Input, double Output)> Writes2 => _writes2;

    /// <summary>The preparation channel behind an ADC channel number (the profile's channel or channel2).</summary>
    private int InputChannel(int adcChannel) => adcChannel == Profile.Adc.Channel ? 0 : adcChannel == Profile.Adc.Channel2 ? 1
        : throw new InvalidOperationException($"ADC channel {adcChannel} is not wired on {Profile.Id}");

    private int OutputChannel(int dacChannel) => dacChannel == Profile.Dac.Channel ? 0 : dacChannel == Profile.Dac.Channel2 ? 1
        : throw new InvalidOperationException($"DAC channel {dacChannel} is not wired on {Profile.Id}");

    /// <summary>Stops recording after this virtual time (µs), so a run's record does not depend on when the host stopped it.</summary>
    public long RecordUntilUs { get; set; } = long.MaxValue;

    public int ReadAdc(int channel)
    {
        Clock.Advance(Options.AdcReadUs);
        Preparation.AdvanceTo(Clock.Peek / 1000.0);
        int wired = InputChannel(channel);
        double measured = wired < Preparation.Channels ? Preparation.Measured(wired) : 0;   // an unconnected input reads 0
        double volts = Preset.InputOffsetVolts + measured / InputPerVolt;
        volts = volts * (1 + Options.AdcGainError) + Options.AdcOffsetVolts + Options.AdcNoiseVolts * _noise.NextGaussian();
        double fraction = (volts - Profile.Adc.MinVolts) / (Profile.Adc.MaxVolts - Profile.Adc.MinVolts);
        if (Profile.Adc.NonLinear)
        {
            fraction = Esp32Bend(fraction);
        }

        return (int)Math.Clamp(Math.Round(fraction * AdcMaxCode), 0, AdcMaxCode);
    }

    public void WriteDac(int channel, ushort value)
    {
        int wired = OutputChannel(channel);
        // The model step ran just before the first channel's write; the second channel's write follows it.
        Clock.Advance((wired == 0 ? Options.StepUs : 0) + Options.DacWriteUs);
        int code = value;
        if (code > DacMaxCode)
        {
            OutOfRangeWrites++;
            code = Profile.Dac.WrapsAround ? code & DacMaxCode : DacMaxCode;
            if (Profile.Dac.WrapsAround)
            {
                WrappedWrites++;
            }
        }

        Preparation.AdvanceTo(Clock.Peek / 1000.0);
        double volts = Profile.Dac.MinVolts + code / (double)DacMaxCode * (Profile.Dac.MaxVolts - Profile.Dac.MinVolts);
        double output = (volts - Preset.OutputOffsetVolts) * OutputPerVolt;
        if (wired >= Preparation.Channels)
        {
            return;   // nothing connected to this output
        }

        Preparation.SetOutput(wired, output);
        if (wired == 0)
        {
            DacVolts = volts;
        }

        if (Clock.Peek <= RecordUntilUs)
        {
            (wired == 0 ? _writes : _writes2).Add((Clock.Peek, code, Preparation.Measured(wired), output));
        }
    }

    /// <summary>The preparation's signal into the ADC, per pin volt: mV (clamp) or nA (emulator: the command).</summary>
    private double InputPerVolt => Preparation.InputIsCurrent ? Preset.NaPerVolt : Preset.MvPerVolt;

    /// <summary>The board's output per DAC pin volt: injected nA (clamp) or emulated mV (emulator).</summary>
    private double OutputPerVolt => Preparation.InputIsCurrent ? Preset.MvPerVolt : Preset.NaPerVolt;

    /// <summary>The raw ESP32 ADC at 12 dB flattens near both ends (about the bottom and top 5% of the span).</summary>
    private static double Esp32Bend(double x) => x < 0.05 ? 0.05 * Math.Tanh(x / 0.05 * 1.3) / Math.Tanh(1.3) : x > 0.95 ? 0.95 + 0.05 * Math.Tanh((x - 0.95) / 0.05 * 1.3) / Math.Tanh(1.3) : x;
}
