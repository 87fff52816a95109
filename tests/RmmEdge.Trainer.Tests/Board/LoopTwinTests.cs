using RmmEdge.Emulator;
using RmmEdge.Firmware.Engine;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Board;

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
        foreach (Current c in network.Currents)
        {
            c.FitNormalization(-80, 40, Enumerable.Repeat(-80f, c.Bank.Size).ToArray(), Enumerable.Repeat(40f, c.Bank.Size).ToArray());
        }

        return Quantizer.Compile(network, 16, out _);
    }

    private static RunConfiguration Config(byte mode) => new()
    {
        Mode = mode, Engine = BoardInfo.EngineNative, PeriodUs = 100,
        CurrentMin = -(1 << 15), CurrentMax = 1 << 15, ValidMin = -120 << 16, ValidMax = 60 << 16,
        ElectrodeLossMs = 10, OverrunStreak = 3, MeasuredNeuron = 1, OutputNeuron = (byte)(mode == RunConfiguration.ModeEmulator ? 0 : 1),
    };

    [Theory]
    [InlineData(RunConfiguration.ModeDynamicClamp)]
    [InlineData(RunConfiguration.ModeEmulator)]
    public void NativeAndManagedLoopStepsAreBitIdentical(byte mode)
    {
        byte[] file = mode == RunConfiguration.ModeEmulator ? BoardProtocolTests.Model(3) : ClampModelFile();
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
            if (core.Output != cOutputs[k] && mismatches++ == 0)
            {
                output.WriteLine($"first mismatch at step {k}: C# {core.Output}, C {cOutputs[k]}");
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
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, ticks, 20, codes, outputCodes, out NativeKernel.NativeStatus status);
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
            long code = ((long)core.Output - Calibration[3]) * Calibration[2] >> 32;
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
        int ran = native.Engine(file, (uint)file.Length, payload, (uint)payload.Length, Calibration, 100, 250, codes, outputCodes, out NativeKernel.NativeStatus status);
        output.WriteLine($"stopped after {ran} ticks: reason {status.Reason}, {status.Overruns} overruns, last code {outputCodes[ran - 1]}");
        Assert.Equal(3, ran);   // the configured streak
        Assert.Equal(StopReason.OverrunStreak, status.Reason);
        Assert.Equal(2048, outputCodes[ran - 1]);   // zero current = code of 0 nA: (0 + 2 nA)·1024
    }
}
