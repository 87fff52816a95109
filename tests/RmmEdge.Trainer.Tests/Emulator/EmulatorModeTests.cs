using RmmEdge.Emulator;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Board;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Tests.Board;
using RmmEdge.Trainer.Tests.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Emulator;

/// <summary>
/// Neuron-emulator mode on a virtual STM32F769I-DISCOVERY (native engine at 10 kHz): the model of
/// neuron A, driven through the ADC by the test file's command current, plays its membrane potential
/// on the 12-bit DAC; the DAC trace's burst period must be within 5% of the same model's float
/// simulation under the same current (issue 7).
/// </summary>
[Collection(RealTimeEngines.Name)]
public sealed class EmulatorModeTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void AnEmulatedNeuronOnTheBoardBurstsLikeItsFloatModel()
    {
        Network network = NeuronAModel.Network;
        Dataset test = NeuronAModel.Test;
        byte[] model = Quantizer.Compile(network, 16, out _);
        float[] command = test.Neurons[0].I;
        var preparation = new CommandPreparation(t => command[Math.Min(command.Length - 1, (int)(t / test.DtMs))]);
        var run = new RunConfiguration
        {
            Mode = RunConfiguration.ModeEmulator, Engine = BoardInfo.EngineNative, PeriodUs = 100,
            CurrentMin = -(5 << 16), CurrentMax = 5 << 16, ValidMin = -150 << 16, ValidMax = 100 << 16,
            ElectrodeLossMs = 50, OverrunStreak = 10, OutputNeuron = 0,
        };
        EmulationResult board = Emulation.Run(new EmulationSetup(model, BoardProfile.Load("stm32f769i-discovery"), 0, run, preparation,
            test.DurationMs / 1000, new VirtualBoardOptions { AdcReadUs = 2, DacWriteUs = 1, StepUs = 60 }));
        output.WriteLine(board.Summary);
        Assert.Equal(0u, board.Status.Overruns);

        // The DAC trace (mV), from 1 s on, against the float model's free run under the same current.
        float[] dacMv = board.Writes.Select(w => (float)w.Output).ToArray();
        int skip = (int)(1000 / test.DtMs);
        FreeRunResult floatRun = FreeRun.Run(network, test, network.WarmupSamples);
        double[] boardSpikes = Spikes.Detect(dacMv.AsSpan(skip), test.DtMs);
        double[] floatSpikes = Spikes.Detect(floatRun.Voltages[0], test.DtMs);
        double gap = BurstAnalysis.DefaultGapMs(floatSpikes);
        BurstStats b = BurstAnalysis.Analyse(boardSpikes, gap), f = BurstAnalysis.Analyse(floatSpikes, gap);
        double error = b.PeriodMs / f.PeriodMs - 1;
        output.WriteLine($"board DAC: period {b.PeriodMs:0.0} ms, {b.SpikesPerBurst:0.00} spikes/burst ({b.Bursts} bursts); " +
            $"float model: {f.PeriodMs:0.0} ms, {f.SpikesPerBurst:0.00} ({f.Bursts} bursts); period error {error:+0.0%;-0.0%}");
        Assert.True(f.Bursts >= 10, "the float model must burst for this comparison to mean anything");
        Assert.True(Math.Abs(error) <= 0.05, $"burst period on the board {b.PeriodMs:0.0} ms vs float {f.PeriodMs:0.0} ms");
    }
}
