using RmmEdge.Emulator;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Emulator.Tests;

/// <summary>
/// The firmware's loop on a virtual board wired to a simulated STG neuron (issue 7's safety scenarios):
/// electrode loss, a model too slow for the board, and the ESP32 DAC that would wrap.
/// </summary>
[Collection(RealTimeEngines.Name)]
public sealed class EmulatorSafetyTests(ITestOutputHelper output)
{
    /// <summary>A hybrid-circuit model: model neuron 0, measured neuron 1 receiving a model synapse from 0.</summary>
    private static byte[] HybridModel(double dtMs)
    {
        var network = new Network(NetworkSpec.Pair(dtMs, hidden: [6], externalSecond: true), seed: 3);
        TestNetworks.FitFixedRanges(network);

        // A strong synapse, so the board injects a sizeable current.
        foreach (GatingCurrent g in network.Currents.OfType<GatingCurrent>()) { g.ConductanceRaw.Value[0] = Softplus.Inverse(0.5f); }
        return Quantizer.Compile(network, 16, out _);
    }

    private static RunConfiguration Clamp(uint periodUs, byte engine, double limitNa = 1.0) => new()
    {
        Mode = RunConfiguration.ModeHybrid, Engine = engine, PeriodUs = periodUs,
        CurrentMin = -(int)(limitNa * 65536), CurrentMax = (int)(limitNa * 65536), ValidMin = -120 << 16, ValidMax = 60 << 16,
        ElectrodeLossMs = 20, OverrunStreak = 20, MeasuredNeuron = 1, OutputNeuron = 1,
    };

    [Fact]
    public void ElectrodeLossMidRunZeroesTheOutputWithinTheConfiguredTime()
    {
        var cell = new CellPreparation(Circuit.SingleStg(), 0) { ElectrodeLossAtMs = 600 };
        EmulationResult result = Emulation.Run(new EmulationSetup(HybridModel(0.1), BoardProfile.Load("stm32f769i-discovery"), 0,
            Clamp(100, BoardInfo.EngineNative), cell, 1.0, new VirtualBoardOptions { AdcReadUs = 2, DacWriteUs = 1, StepUs = 30 }));
        output.WriteLine(result.Summary);
        Assert.Equal(StopReason.ElectrodeLoss, result.Status.Reason);
        var last = result.Writes[^1];
        double lossToSafeMs = last.TimeUs / 1000.0 - 600;
        output.WriteLine($"output back to the zero-current code {result.ZeroCurrentCode} {lossToSafeMs:0.0} ms after the electrode left the cell (configured 20 ms)");
        Assert.Equal(result.ZeroCurrentCode, last.Code);
        Assert.InRange(lossToSafeMs, 19.0, 20.5);
        Assert.Contains(result.Writes, w => w.TimeUs < 600_000 && Math.Abs(w.Code - result.ZeroCurrentCode) > 20);   // it was injecting before
    }

    [Fact]
    public void AModelTooSlowForTheBoardOverrunsAndTheStreakRuleStopsItSafely()
    {
        // The managed engine on an ESP32 needs about 340 µs per step (ADC 120 + model 100 + DAC 120): a 5 kHz model cannot run.
        var cell = new CellPreparation(Circuit.SingleStg(), 0);
        EmulationResult result = Emulation.Run(new EmulationSetup(HybridModel(0.2), BoardProfile.Load("esp32-devkitc"), 0,
            Clamp(200, BoardInfo.EngineManaged), cell, 0.5));
        output.WriteLine(result.Summary);
        Assert.Equal(StopReason.OverrunStreak, result.Status.Reason);
        Assert.Equal(20u, result.Status.Overruns);
        Assert.Equal(result.ZeroCurrentCode, result.Writes[^1].Code);

        // The same model at 2 kHz fits: it runs to the end without a single overrun.
        EmulationResult fits = Emulation.Run(new EmulationSetup(HybridModel(0.5), BoardProfile.Load("esp32-devkitc"), 0,
            Clamp(500, BoardInfo.EngineManaged), new CellPreparation(Circuit.SingleStg(), 0), 0.5));
        output.WriteLine(fits.Summary);
        Assert.Equal(StopReason.Requested, fits.Status.Reason);
        Assert.Equal(0u, fits.Status.Overruns);
        Assert.InRange((int)fits.Status.Step, 990, 1000);
    }

    [Fact]
    public void OnTheEsp32NoDacWrapEverReachesTheAmplifier()
    {
        // Current limits far beyond the 8-bit DAC's ±1.65 nA span: every out-of-span value must clip, never wrap.
        var cell = new CellPreparation(Circuit.SingleStg(), 0, (t, i) => (t % 400) < 200 ? 1.0 : -1.0);
        EmulationResult result = Emulation.Run(new EmulationSetup(HybridModel(0.5), BoardProfile.Load("esp32-devkitc"), 0,
            Clamp(500, BoardInfo.EngineManaged, limitNa: 20), cell, 2.0));
        output.WriteLine(result.Summary);
        Assert.Equal(0, result.OutOfRangeWrites);
        Assert.Equal(0, result.WrappedWrites);
        Assert.Contains(result.Writes, w => w.Code is 0 or 255);   // it did reach the rails

        // The check itself bites: a raw write of 300 to the virtual ESP32 driver wraps to 44.
        var board = new VirtualBoard(BoardProfile.Load("esp32-devkitc"), BoardProfile.Load("esp32-devkitc").FrontEndPresets[0], new CellPreparation(Circuit.SingleStg(), 0));
        board.WriteDac(0, 300);
        Assert.Equal(1, board.WrappedWrites);
        Assert.Equal(44, board.Writes[^1].Code);
    }
}
