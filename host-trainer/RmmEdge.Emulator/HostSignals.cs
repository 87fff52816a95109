using System.Diagnostics;
using RmmEdge.Firmware.Engine;

namespace RmmEdge.Emulator;

/// <summary>The host's monotonic clock in microseconds (Stopwatch), for running the firmware's engine in real time.</summary>
public sealed class HostClock : IMicrosecondClock
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();

    public long NowUs => _watch.ElapsedTicks * 1_000_000 / Stopwatch.Frequency;
}

/// <summary>A signal source that returns whatever value the test or scenario sets (Q15.16).</summary>
public sealed class SettableInput : ISignalInput
{
    public volatile int Value;

    public int ReadQ16() => Value;
}

/// <summary>An output that remembers what the firmware wrote, and whether its last write was the safe value.</summary>
public sealed class RecordingOutput : ISignalOutput
{
    public volatile int Last;
    public volatile bool Safe = true;
    public long Writes;

    public void WriteQ16(int value)
    {
        Last = value;
        Safe = false;
        Interlocked.Increment(ref Writes);
    }

    public void WriteSafe()
    {
        Last = 0;
        Safe = true;
    }
}
