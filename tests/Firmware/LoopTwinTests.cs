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

/// <summary>
/// The native engine's loop step (firmware/native/rmm_loop.c, host-compiled by gcc) against the
/// managed one (firmware/Engine/LoopCore.cs): same outputs bit for bit, same safety stop at the same
/// step, in the clamp mode (with out-of-range stretches, short and long) and the emulator mode.
/// </summary>
public sealed class LoopTwinTests(NativeKernel native, ITestOutputHelper output) : IClassFixture<NativeKernel>
{
    private static byte[] ClampModelFile()
    {
        var network = new Network(NetworkSpec.Pair(0.1, hidden: [6], externalSecond: true), seed: 5);
        TestNetworks.FitFixedRanges(network);

        return Quantizer.Compile(network, 16, out _);
    }

    private static RunConfiguration Config(byte mode) => new()
    {
        Mode = mode, Engine = BoardInfo.EngineNative, PeriodUs = 100,
        CurrentMin = -(1 << 15), CurrentMax = 1 << 15, ValidMin = -120 << 16, ValidMax = 60 << 16,
        ElectrodeLossMs = 10, OverrunStreak = 3, MeasuredNeuron = 1, OutputNeuron = (byte)(mode == RunConfiguration.ModeEmulator ? 0 : 1),
    };

    /// <summary>Dynamic clamp of a clamped pair: cell 0 on channel 1, cell 1 on channel 2.</summary>
    private static RunConfiguration TwoChannelConfig()
    {
        RunConfiguration config = Config(RunConfiguration.ModeDynamicClamp);
        config.MeasuredNeuron = 0;
        config.OutputNeuron = 0;
        config.Channels = 2;
        config.MeasuredNeuron2 = 1;
        config.OutputNeuron2 = 1;
        return config;
    }

    [Theory]
    [InlineData(RunConfiguration.ModeDynamicClamp)]
    [InlineData(RunConfiguration.ModeEmulator)]
    public void NativeAndManagedLoopStepsAreBitIdentical(byte mode)
    {
        byte[] file = mode == RunConfiguration.ModeEmulator ? TestNetworks.SmallCompiledModel(3) : ClampModelFile();
        RunConfiguration config = Config(mode);
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        config.Encode(payload, 0);
        var random = new Random(mode);
        int steps = 60_000;
        int[] inputs = new int[steps];
        double level = -60;
        for (int k = 0; k < steps; k++)
        {
            level += random.NextDouble() - 0.5;
            level = Math.Clamp(level, -90, 30);
            bool excursion = mode != RunConfiguration.ModeEmulator && k % 7000 > 6950;   // 50 steps out of range now and then
            double value = mode == RunConfiguration.ModeEmulator ? (random.NextDouble() - 0.3) * 2 : excursion ? 150 : level;
            inputs[k] = (int)Math.Round(value * 65536);
        }

        if (mode != RunConfiguration.ModeEmulator)
        {
            for (int k = 50_000; k < steps; k++) { inputs[k] = 200 << 16; }   // then the electrode is lost for good
        }

        int[] cOutputs = new int[steps];
        int cSteps = native.Loop(file, (uint)file.Length, payload, (uint)payload.Length, steps, inputs, cOutputs, out int cReason);
        Assert.True(cSteps > 0, "the C loop rejected the model or the configuration");

        var core = new LoopCore(FixedPointRun.Load(file), config);
        var input = new SettableInput();
        var outputSignal = new RecordingOutput();
        int managedSteps = 0, mismatches = 0;
        for (int k = 0; k < steps; k++)
        {
            input.Value = inputs[k];
            bool go = core.Step(input, outputSignal);
            managedSteps++;
            if (core.LastOutput(0) != cOutputs[k] && mismatches++ == 0)
            {
                output.WriteLine($"first mismatch at step {k}: C# {core.LastOutput(0)}, C {cOutputs[k]}");
            }

            if (!go)
            {
                break;
            }
        }

        output.WriteLine($"mode {mode}: {managedSteps} managed steps, {cSteps} native steps, stop reasons {core.StopReason}/{cReason}, {mismatches} mismatches");
        Assert.Equal(0, mismatches);
        Assert.Equal(managedSteps, cSteps);
        Assert.Equal(core.StopReason, (byte)cReason);
        if (mode != RunConfiguration.ModeEmulator)
        {
            Assert.Equal(StopReason.ElectrodeLoss, core.StopReason);
            Assert.Equal(50_000 + 100, managedSteps);   // 10 ms at 0.1 ms
        }
    }

    /// <summary>Two measured cells coupled by model synapses both ways (NetworkSpec.ClampedPair), normalised for −80…40 mV.</summary>
    private static byte[] ClampedPairFile()
    {
        var network = new Network(NetworkSpec.ClampedPair(0.1), seed: 7);
        TestNetworks.FitFixedRanges(network);

        return Quantizer.Compile(network, 16, out _);
    }

    /// <summary>
    /// Two channels (two biological cells): both loops read both inputs, step once and write both
    /// outputs, bit for bit alike; an electrode lost on channel 2 alone stops both at the same step.
    /// </summary>
    [Fact]
    public void TwoChannelLoopStepsAreBitIdenticalAndEitherChannelsElectrodeLossStopsBoth()
    {
        byte[] file = ClampedPairFile();
        RunConfiguration config = TwoChannelConfig();
        Assert.Null(LoopCore.Check(FixedPointRun.Load(file), config));
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        config.Encode(payload, 0);

        int steps = 40_000;
        int[] inputs = new int[2 * steps];
        for (int k = 0; k < steps; k++)
        {
            // Two bursting-like waveforms in anti-phase, with brief excursions on channel 1 (not long enough to count).
            double phase = 2 * Math.PI * k / 8000.0;
            double v1 = -55 + 25 * Math.Max(0, Math.Sin(phase)) + 3 * Math.Sin(k / 7.0);
            double v2 = -55 + 25 * Math.Max(0, -Math.Sin(phase)) + 3 * Math.Cos(k / 5.0);
            inputs[2 * k] = (int)Math.Round((k % 9000 > 8960 ? 150 : v1) * 65536);
            inputs[2 * k + 1] = (int)Math.Round((k >= 30_000 ? 200 : v2) * 65536);   // channel 2's electrode is lost at step 30,000
        }

        int[] cOutputs = new int[2 * steps];
        int cSteps = native.Loop(file, (uint)file.Length, payload, (uint)payload.Length, steps, inputs, cOutputs, out int cReason);
        Assert.True(cSteps > 0, "the C loop rejected the model or the two-channel configuration");

        var core = new LoopCore(FixedPointRun.Load(file), config);
        SettableInput in1 = new(), in2 = new();
        RecordingOutput out1 = new(), out2 = new();
        int managedSteps = 0, mismatches = 0, nonZero = 0;
        for (int k = 0; k < steps; k++)
        {
            in1.Value = inputs[2 * k];
            in2.Value = inputs[2 * k + 1];
            bool go = core.Step(in1, out1, in2, out2);
            managedSteps++;
            mismatches += (core.LastOutput(0) != cOutputs[2 * k] ? 1 : 0) + (core.LastOutput(1) != cOutputs[2 * k + 1] ? 1 : 0);
            nonZero += core.LastOutput(0) != 0 && core.LastOutput(1) != 0 ? 1 : 0;
            if (!go)
            {
                break;
            }
        }

        output.WriteLine($"two channels: {managedSteps} managed steps, {cSteps} native steps, stop reasons {core.StopReason}/{cReason}, " +
            $"{mismatches} mismatches, {nonZero} steps with current into both cells");
        Assert.Equal(0, mismatches);
        Assert.Equal(managedSteps, cSteps);
        Assert.True(nonZero > 1000, "both channels must carry model current");
        Assert.Equal(StopReason.ElectrodeLoss, core.StopReason);
        Assert.Equal(StopReason.ElectrodeLoss, (byte)cReason);
        Assert.Equal(30_000 + 100, managedSteps);
        Assert.Equal(0, core.LastOutput(0));
        Assert.Equal(0, core.LastOutput(1));
        Assert.Equal(0, cOutputs[2 * (cSteps - 1)]);
        Assert.Equal(0, cOutputs[2 * (cSteps - 1) + 1]);
    }

    [Fact]
    public void TwoChannelRunsAreRefusedWhereTheyCannotWork()
    {
        RmmqModel pair = FixedPointRun.Load(ClampedPairFile());
        RunConfiguration config = TwoChannelConfig();
        config.MeasuredNeuron2 = 0;
        Assert.Equal("the two channels measure the same neuron", LoopCore.Check(pair, config));
        config.MeasuredNeuron2 = 1;
        config.OutputNeuron2 = 0;
        Assert.Equal("the two channels have the same output neuron", LoopCore.Check(pair, config));
        config.OutputNeuron2 = 2;
        Assert.Equal("channel 2: output neuron 2 does not exist in the model", LoopCore.Check(pair, config));
        config.OutputNeuron2 = 1;
        Assert.Null(LoopCore.Check(pair, config));

        byte[] payload = new byte[RunConfiguration.EncodedSize];
        config.Encode(payload, 0);
        Assert.Equal(2, RunConfiguration.Decode(payload, 0, payload.Length, out _)!.ChannelCount);
        payload[30] = 3;
        Assert.Null(RunConfiguration.Decode(payload, 0, payload.Length, out string problem));
        Assert.Equal("3 channels (1 or 2)", problem);

        // A board wired for one channel: the managed engine says why; the native engine refuses the start.
        var engine = new ManagedEngine(new VirtualClock(), new SettableInput(), new RecordingOutput());
        string? refused = engine.Start(ClampedPairFile(), pair, 0, config);
        output.WriteLine($"managed engine, one channel wired: {refused}");
        Assert.Equal("this board wires 1 converter channel(s); the run asks for 2", refused);
        config.Encode(payload, 0);
        byte[] file = ClampedPairFile();
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, 10, 20, new int[20], new int[20], out _, 1);
        Assert.Equal(-3, ran);
    }

    [Fact]
    public void TheNativeEngineDrivesTwoChannelsThroughTheSharedCalibration()
    {
        byte[] file = ClampedPairFile();
        RunConfiguration config = TwoChannelConfig();
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        config.Encode(payload, 0);
        int ticks = 20_000;
        int[] codes = new int[2 * ticks];
        for (int k = 0; k < ticks; k++)
        {
            codes[2 * k] = 800 + (int)(900 * Math.Max(0, Math.Sin(k / 1200.0)));
            codes[2 * k + 1] = 800 + (int)(900 * Math.Max(0, -Math.Sin(k / 1200.0)));
        }

        int[] outputCodes = new int[2 * ticks];
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, ticks, 20, codes, outputCodes, out NativeKernel.NativeStatus status, 2);
        Assert.Equal(ticks, ran);

        var core = new LoopCore(FixedPointRun.Load(file), config);
        SettableInput in1 = new(), in2 = new();
        RecordingOutput out1 = new(), out2 = new();
        int mismatches = 0;
        for (int k = 0; k < ticks; k++)
        {
            in1.Value = (int)(((long)codes[2 * k] * Calibration[0] >> 8) + Calibration[1]);
            in2.Value = (int)(((long)codes[2 * k + 1] * Calibration[0] >> 8) + Calibration[1]);
            Assert.True(core.Step(in1, out1, in2, out2));
            mismatches += Code(core.LastOutput(0)) == outputCodes[2 * k] ? 0 : 1;
            mismatches += Code(core.LastOutput(1)) == outputCodes[2 * k + 1] ? 0 : 1;
        }

        output.WriteLine($"{ticks} two-channel native ticks: {mismatches} output codes differ from LoopCore; channel 1 codes " +
            $"{outputCodes.Where((_, i) => i % 2 == 0).Min()}…{outputCodes.Where((_, i) => i % 2 == 0).Max()}, channel 2 " +
            $"{outputCodes.Where((_, i) => i % 2 == 1).Min()}…{outputCodes.Where((_, i) => i % 2 == 1).Max()}");
        Assert.Equal(0, mismatches);
        Assert.True(outputCodes.Where((_, i) => i % 2 == 1).Distinct().Count() > 10, "channel 2 must move");

        static long Code(int value) => Math.Clamp((((long)value - Calibration[3]) * Calibration[2] + (1L << 31)) >> 32, 0, Calibration[4]);
    }

    /// <summary>Calibration of a 12-bit converter pair: 0.05 mV per ADC code from −100 mV; 1024 DAC codes per nA around mid-scale.</summary>
    private static readonly int[] Calibration = [(int)Math.Round(0.05 * (1 << 24)), -100 << 16, 1024 << 16, -2 << 16, 4095];

    [Fact]
    public void TheNativeEngineRunsTheLoopThroughItsCalibrationLikeTheManagedCore()
    {
        byte[] file = ClampModelFile();
        RunConfiguration config = Config(RunConfiguration.ModeDynamicClamp);
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        config.Encode(payload, 0);
        var random = new Random(11);
        int ticks = 20_000;
        int[] codes = Enumerable.Range(0, ticks).Select(k => 600 + (int)(800 * (0.5 + 0.5 * Math.Sin(k / 300.0))) + random.Next(-20, 21)).ToArray();
        int[] outputCodes = new int[ticks];
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, ticks, 20, codes, outputCodes, out NativeKernel.NativeStatus status, 1);
        Assert.Equal(ticks, ran);
        Assert.Equal(0u, status.Overruns);

        var core = new LoopCore(FixedPointRun.Load(file), config);
        var input = new SettableInput();
        var sink = new RecordingOutput();
        int mismatches = 0;
        for (int k = 0; k < ticks; k++)
        {
            input.Value = (int)(((long)codes[k] * Calibration[0] >> 8) + Calibration[1]);
            Assert.True(core.Step(input, sink));
            long code = (((long)core.LastOutput(0) - Calibration[3]) * Calibration[2] + (1L << 31)) >> 32;
            code = Math.Clamp(code, 0, Calibration[4]);
            mismatches += code == outputCodes[k] ? 0 : 1;
        }

        output.WriteLine($"{ticks} native ticks: {mismatches} output codes differ from LoopCore through the same calibration; codes {outputCodes.Min()}…{outputCodes.Max()}");
        Assert.Equal(0, mismatches);
        Assert.InRange(outputCodes.Min(), 0, 4095);
    }

    [Fact]
    public void NativeTicksThatTakeLongerThanThePeriodStopTheLoopOnTheStreakWithTheOutputSafe()
    {
        byte[] file = ClampModelFile();
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        Config(RunConfiguration.ModeDynamicClamp).Encode(payload, 0);
        int[] codes = Enumerable.Repeat(800, 100).ToArray();
        int[] outputCodes = new int[100];
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, 100, 250, codes, outputCodes, out NativeKernel.NativeStatus status, 1);
        output.WriteLine($"stopped after {ran} ticks: reason {status.Reason}, {status.Overruns} overruns, last code {outputCodes[ran - 1]}");
        Assert.Equal(3, ran);   // the configured streak
        Assert.Equal(StopReason.OverrunStreak, status.Reason);
        Assert.Equal(2048, outputCodes[ran - 1]);   // zero current = code of 0 nA: (0 + 2 nA)·1024
    }
}
