using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Compile;

/// <summary>
/// Board-aware sizing (issue 18 §2): each candidate shape compiled and measured on the board's emulated core.
/// Needs the cross tools (.ci/run installs them).
/// </summary>
public sealed class BoardSizingTests(ITestOutputHelper output)
{
    private static string Native => Path.Combine(SharedData.RepoRoot, "firmware", "native");

    private static NetworkSpec Pair(int[] hidden, int bank) => NetworkSpec.Pair(0.1, hidden).WithIntrinsicBankSize(bank);

    [SkippableFact]
    public void TheHalfCentreShrinksToTheLargestShapeThatHoldsTenKilohertzOnTheM7()
    {
        Skip.IfNot(CycleBudget.ToolsAvailable(out string missing), $"{missing} not installed (.ci/run installs {CycleBudget.Packages})");
        var target = BoardTarget.Parse("stm32f769i-discovery", "--target");
        SizingResult sizing = BoardSizing.Size(target, 10_000, [20, 20, 20], 36, Pair, Native);
        output.WriteLine(sizing.Text());

        Assert.False(sizing.Configured.Fit.Holds);                         // the default pair: about 103 % of the period
        Assert.True(sizing.Shrunk);
        SizedNetwork chosen = sizing.Chosen!;
        Assert.True(chosen.Fits);
        Assert.True(chosen.Fit.Load <= BoardFit.MaxLoad - BoardSizing.Reserve);
        Assert.Equal(16, chosen.Bits);                                     // a 16-bit shape fits, so 8 bits are not tried
        Assert.DoesNotContain(sizing.Measured, m => m.Bits == 8);
        // Largest: every measured shape with more MACs than the chosen one does not fit.
        Assert.All(sizing.Measured.Where(m => m.Summary.MacsPerStep > chosen.Summary.MacsPerStep), m => Assert.False(m.Fits));
        Assert.InRange(sizing.Measured.Count, 3, 8);                       // a bisection, not the whole ladder

        // The chosen shape, compiled again and measured on its own, holds: the table is what a model of that shape costs.
        var network = new Network(Pair(chosen.Hidden, chosen.BankSize), seed: 2);
        BoardSizing.FitTypicalNormalization(network);
        BudgetResult again = CycleBudget.Measure(Quantizer.Compile(network, 16, out _), EmulatedCore.M7At216, Native);
        Assert.True(BoardFit.Native(target.Board, again, 10_000).Holds);

        // A network that already fits is kept as it is.
        SizingResult single = BoardSizing.Size(target, 10_000, [10, 10, 10], 36, (h, b) => NetworkSpec.SingleNeuron(0.1, h).WithIntrinsicBankSize(b), Native);
        Assert.Same(single.Configured, single.Chosen);
        Assert.False(single.Shrunk);
    }

    [SkippableFact]
    public void ATargetNothingFitsIsRefusedWithWhatWouldFit()
    {
        Skip.IfNot(CycleBudget.ToolsAvailable(out string missing), $"{missing} not installed (.ci/run installs {CycleBudget.Packages})");
        // 15 kHz on the Cortex-M4: even the smallest pair is too slow; the M7 holds it.
        NetworkSpec Fast(int[] h, int b) => NetworkSpec.Pair(1.0 / 15, h).WithIntrinsicBankSize(b);
        SizingResult sizing = BoardSizing.Size(BoardTarget.Parse("stm32f429i-discovery@15000", "--target"), 15_000, [20, 20, 20], 36, Fast, Native);
        Assert.Null(sizing.Chosen);
        Assert.Contains(sizing.Measured, m => m.Bits == 8);               // 8 bits were tried before giving up
        string refusal = BoardSizing.WhatWouldFit(sizing, Fast, Native);
        output.WriteLine(refusal);
        Assert.StartsWith("--target stm32f429i-discovery@15000: no network of the ladder holds 15,000 Hz on stm32f429i-discovery: the smallest (hidden 6,6,6, bank 12", refusal);
        Assert.Contains("holds at most", refusal);
        Assert.Contains("it fits stm32f769i-discovery", refusal);
    }

    [Fact]
    public void ABadTargetIsRefusedBeforeAnythingIsMeasured()
    {
        Assert.Contains("expected BOARD or BOARD@RATE", Assert.Throws<UserError>(() => BoardTarget.Parse("@10000", "--target")).Message);
        Assert.Contains("expected a rate in Hz > 0", Assert.Throws<UserError>(() => BoardTarget.Parse("stm32f769i-discovery@fast", "--target")).Message);
        Assert.Contains("no such board profile", Assert.Throws<UserError>(() => BoardTarget.Parse("pdp-11", "--target")).Message);
        // A rate other than the model's: the model steps at the data's rate.
        string mismatch = Assert.Throws<UserError>(() => BoardSizing.Size(BoardTarget.Parse("stm32f769i-discovery@20000", "--target"), 10_000, [20], 36, Pair, Native)).Message;
        Assert.Contains("the model steps at 10000 Hz", mismatch);
        Assert.Contains("--upsample", mismatch);
        // An Xtensa board: its step cost cannot be measured here, so nothing is claimed to fit.
        string xtensa = Assert.Throws<UserError>(() => BoardSizing.Size(BoardTarget.Parse("esp32-devkitc", "--target"), 10_000, [20], 36, Pair, Native)).Message;
        Assert.Contains("Xtensa LX6", xtensa);
        Assert.Contains("boards that can be targeted: esp32-c3-devkitm-spi-dac, stm32f429i-discovery, stm32f769i-discovery", xtensa);
    }

    [Fact]
    public void ABankResampledToFewerTimeConstantsKeepsItsSpan()
    {
        NetworkSpec spec = NetworkSpec.Pair(0.1).WithIntrinsicBankSize(12);
        double[] tau = spec.Neurons[0].Currents![0].Bank.TauMs;
        double[] full = NetworkSpec.Pair(0.1).Neurons[0].Currents![0].Bank.TauMs;
        Assert.Equal(12, tau.Length);
        Assert.Equal(full[0], tau[0], 9);
        Assert.Equal(full[^1], tau[^1], 6);
        Assert.Equal(NetworkSpec.Pair(0.1).Neurons[0].Currents![1].Bank.TauMs, spec.Neurons[0].Currents![1].Bank.TauMs);   // the synapse's bank is kept
        Assert.Equal(12, spec.IntrinsicBankSize);
    }
}
