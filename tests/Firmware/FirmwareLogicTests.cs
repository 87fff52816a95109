using RmmEdge.Emulator;
using RmmEdge.Firmware.Engine;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Firmware.Tests;

/// <summary>The frame decoder under noise, and the loop's safety rules, without a link.</summary>
[Collection(RealTimeEngines.Name)]
public sealed class FirmwareLogicTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryIntactFrameIsRecoveredFromAStreamOfNoiseAndDamagedFrames()
    {
        var random = new Random(3);
        var stream = new List<byte>();
        var sent = new List<(byte Type, ushort Sequence, byte[] Payload)>();
        byte[] frame = new byte[WireFormat.MaxFrame];
        for (int i = 0; i < 3000; i++)
        {
            byte[] payload = new byte[random.Next(0, 300)];
            random.NextBytes(payload);
            byte type = (byte)random.Next(1, 255);
            int size = FrameEncoder.Encode(type, (ushort)i, payload, 0, payload.Length, frame);
            switch (random.Next(4))
            {
                case 0:   // noise before the frame (with sync bytes sprinkled in)
                    for (int k = random.Next(1, 40); k > 0; k--) { stream.Add(random.Next(5) == 0 ? WireFormat.Sync0 : (byte)random.Next(256)); }
                    goto default;
                case 1:   // a damaged copy first
                    byte[] damaged = frame[..size];
                    damaged[random.Next(2, size)] ^= (byte)(1 << random.Next(8));
                    stream.AddRange(damaged);
                    goto default;
                case 2:   // a truncated copy first
                    stream.AddRange(frame[..random.Next(1, size)]);
                    goto default;
                default:
                    stream.AddRange(frame[..size]);
                    sent.Add((type, (ushort)i, payload));
                    break;
            }
        }

        var decoder = new FrameDecoder();
        var received = new List<(byte Type, ushort Sequence, byte[] Payload)>();
        foreach (byte b in stream)
        {
            decoder.Push(b);
            while (decoder.TryRead())
            {
                received.Add((decoder.Type, decoder.Sequence, decoder.Buffer.AsSpan(decoder.PayloadOffset, decoder.PayloadLength).ToArray()));
            }
        }

        output.WriteLine($"{stream.Count:N0} bytes, {sent.Count} frames sent, {received.Count} received, {decoder.CrcErrors} CRC errors, {decoder.SkippedBytes} bytes skipped");
        // Every intact frame arrives, in order; a damaged frame is never delivered as if intact.
        var wanted = new Queue<(byte Type, ushort Sequence, byte[] Payload)>(sent);
        foreach (var r in received)
        {
            if (wanted.Count > 0 && wanted.Peek().Sequence == r.Sequence && wanted.Peek().Type == r.Type && wanted.Peek().Payload.AsSpan().SequenceEqual(r.Payload))
            {
                wanted.Dequeue();
            }
            else
            {
                Assert.Fail($"frame {r.Sequence} delivered out of order or corrupted");
            }
        }

        Assert.Empty(wanted);
    }

    private static RmmqModel ClampModel()
    {
        // Neuron 0 modelled, neuron 1 measured: in clamp mode the board reads neuron 1's voltage.
        var network = new Network(NetworkSpec.Pair(0.1, hidden: [4], externalSecond: true), seed: 2);
        TestNetworks.FitFixedRanges(network);

        return FixedPointRun.Load(Quantizer.Compile(network, 16, out _));
    }

    private static RunConfiguration Clamp() => new()
    {
        Mode = RunConfiguration.ModeDynamicClamp, Engine = BoardInfo.EngineManaged, PeriodUs = 100,
        CurrentMin = -(1 << 14), CurrentMax = 1 << 14, ValidMin = -120 << 16, ValidMax = 60 << 16,
        ElectrodeLossMs = 20, OverrunStreak = 5, MeasuredNeuron = 1, OutputNeuron = 1,
    };

    [Fact]
    public void OutputCurrentStaysWithinItsLimitsAndElectrodeLossZeroesItInTime()
    {
        RmmqModel model = ClampModel();
        RunConfiguration config = Clamp();
        Assert.Null(LoopCore.Check(model, config));
        var core = new LoopCore(model, config);
        var input = new SettableInput { Value = -50 << 16 };
        var outputSignal = new RecordingOutput();
        var random = new Random(1);
        for (int k = 0; k < 20_000; k++)
        {
            input.Value = (int)((random.NextDouble() * 140 - 100) * 65536);   // −100…+40 mV, all valid
            Assert.True(core.Step(input, outputSignal));
            Assert.InRange(core.LastOutput(0), config.CurrentMin, config.CurrentMax);
        }

        // The electrode leaves the cell: the input reads +200 mV (out of range). 20 ms at 0.1 ms = 200 steps.
        input.Value = 200 << 16;
        int steps = 0;
        while (core.Step(input, outputSignal))
        {
            steps++;
            Assert.True(steps < 1000, "electrode loss never detected");
        }

        output.WriteLine($"electrode loss detected after {steps + 1} out-of-range steps ({(steps + 1) * 0.1:0.0} ms; configured 20 ms)");
        Assert.Equal(200, steps + 1);
        Assert.True(outputSignal.Safe);
        Assert.Equal(StopReason.ElectrodeLoss, core.StopReason);
    }

    [Fact]
    public void ABriefExcursionIsNotElectrodeLoss()
    {
        var core = new LoopCore(ClampModel(), Clamp());
        var input = new SettableInput();
        var outputSignal = new RecordingOutput();
        for (int k = 0; k < 2000; k++)
        {
            input.Value = (k % 300 < 150 ? 200 : -60) << 16;   // 15 ms out, 15 ms in, repeatedly
            Assert.True(core.Step(input, outputSignal), $"stopped at step {k}");
        }
    }

    /// <summary>An input that takes longer than the period: every step overruns, the streak rule stops the loop.</summary>
    private sealed class SlowInput(int microseconds) : ISignalInput
    {
        public int ReadQ16()
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            while (watch.Elapsed.TotalMicroseconds < microseconds) { }
            return -60 << 16;
        }
    }

    [Fact]
    public void TheOverrunStreakStopsAtItsLimitAndAStepOnTimeEndsIt()
    {
        var streak = new OverrunStreak(3);
        bool[] overran = [true, true, false, true, true, true];
        bool[] stops = overran.Select(streak.Record).ToArray();
        Assert.Equal([false, false, false, false, false, true], stops);
        Assert.Equal(3, streak.Length);
        Assert.True(new OverrunStreak(1).Record(true));
    }

    [Fact]
    public void AModelTooSlowForThePeriodStopsOnTheOverrunStreakWithTheOutputSafe()
    {
        var outputSignal = new RecordingOutput();
        var engine = new ManagedEngine(new HostClock(), new SlowInput(300), outputSignal);
        Assert.Null(engine.Start(null, ClampModel(), 1, Clamp()));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (engine.Snapshot().State == LoopStatus.StateRunning && DateTime.UtcNow < deadline) { Thread.Sleep(5); }
        LoopStatus status = engine.Snapshot();
        output.WriteLine($"stopped: {StopReason.Name(status.Reason)} after {status.Step} steps, {status.Overruns} overruns, longest cycle {status.MaxCycleUs} µs");
        Assert.Equal(LoopStatus.StateStopped, status.State);
        Assert.Equal(StopReason.OverrunStreak, status.Reason);
        Assert.Equal(5u, status.Overruns);
        Assert.True(outputSignal.Safe);
        engine.Stop(StopReason.Requested);
    }
}
