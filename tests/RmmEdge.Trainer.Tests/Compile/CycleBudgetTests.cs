using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Compile;

/// <summary>
/// The cost of the C kernel for the authors' LP-sized model (36 GOBF states, MLP 37→10→10→10→1),
/// cross-compiled with arm-none-eabi-gcc -O2 and run on QEMU's Cortex-M4 and Cortex-M7: it must hold
/// a 10 kHz step on a 168 MHz Cortex-M4, and use at most half the budget on a 216 MHz Cortex-M7.
/// Issue 5 asks for at most half the budget on the Cortex-M4 too; measured 60% (16-bit) and 70%
/// (8-bit) with the stated CPI, so that bar is open (see the note), and this test guards
/// against regressions meanwhile. Needs gcc-arm-none-eabi and qemu-system-arm (.ci/run installs them).
/// </summary>
public sealed class CycleBudgetTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData(16)]
    [InlineData(8)]
    public void LpSizedModelHoldsTenKilohertzOnA168MhzCortexM4(int bits)
    {
        Skip.IfNot(CycleBudget.ToolsAvailable(out string missing), $"{missing} not installed (.ci/run installs gcc-arm-none-eabi and qemu-system-arm)");
        var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [10, 10, 10]), seed: 1);
        byte[] model = Quantizer.Compile(network, bits, out CompileSummary summary);
        output.WriteLine(summary.ToString());
        string native = Path.Combine(SharedData.RepoRoot, "firmware", "native");
        BudgetResult m4 = CycleBudget.Measure(model, CortexCore.M4At168, native);
        BudgetResult m7 = CycleBudget.Measure(model, CortexCore.M7At216, native);
        output.WriteLine(m4.ToString());
        output.WriteLine(m7.ToString());
        Assert.True(m4.Load(10) <= 0.8, $"{bits}-bit: a step takes {m4.Load(10):P0} of the 10 kHz budget on a 168 MHz Cortex-M4");
        Assert.True(m7.Load(10) <= 0.5, $"{bits}-bit: a step takes {m7.Load(10):P0} of the 10 kHz budget on a 216 MHz Cortex-M7");
        Assert.InRange(m4.InstructionsPerStep, summary.MacsPerStep, 100 * summary.MacsPerStep);   // sanity: at least one instruction per MAC
    }
}
