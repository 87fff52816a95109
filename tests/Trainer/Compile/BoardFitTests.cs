using RmmEdge.Rig.Board;
using RmmEdge.Trainer.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Compile;

/// <summary>The per-board table of `rmm compile`: which engine of which board holds a model's rate.</summary>
public sealed class BoardFitTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryBoardEngineIsJudgedFromTheMeasuredCoreItsFamilyNames()
    {
        IReadOnlyList<BoardProfile> boards = BoardFit.AllBoards();
        Assert.Equal(["esp32-c3-devkitm-spi-dac", "esp32-devkitc", "esp32-devkitc-spi-dac", "stm32f429i-discovery", "stm32f769i-discovery"], boards.Select(b => b.Id).Order(StringComparer.Ordinal));

        // 12,000 instructions: 15,600 cycles on the M4 (1.3 CPI), 12,000 on the M7 (1.0); 6,000 on the
        // RISC-V core: 8,400 cycles (1.4 CPI).
        BudgetResult[] measured = [new(EmulatedCore.M4At168, 12_000, 2000), new(EmulatedCore.M7At216, 12_000, 2000), new(EmulatedCore.RiscVAt160, 6_000, 2000)];
        List<BoardFit> rows = BoardFit.For(boards, measured, modelRateHz: 10_000);
        output.WriteLine(BoardFit.Table(rows, 10_000));

        BoardFit m4 = rows.Single(r => r.Board == "stm32f429i-discovery");
        Assert.Equal(15_600 * 10_000 / 168e6, m4.Load!.Value, 9);                // 93 % of the period
        Assert.False(m4.Holds);                                                   // above the 80 % that leaves room for the converters
        Assert.Equal(168e6 * BoardFit.MaxLoad / 15_600, m4.HighestRateHz, 6);     // 8,615 Hz
        Assert.Contains("leaves less than 20 %", m4.Verdict);

        BoardFit m7 = rows.Single(r => r.Board == "stm32f769i-discovery" && r.Engine == "native");
        Assert.True(m7.Holds);
        Assert.Equal(12_000 * 10_000 / 216e6, m7.Load!.Value, 9);
        Assert.Equal(14_400, m7.HighestRateHz, 6);                                // the core's 14.4 kHz is below the profile's 20 kHz

        BoardFit c3 = rows.Single(r => r.Board == "esp32-c3-devkitm-spi-dac");
        Assert.Equal(8_400 * 10_000 / 160e6, c3.Load!.Value, 9);                 // 53 %: judged from the rv32imc measurement
        Assert.True(c3.Holds);
        Assert.Equal(10_000, c3.HighestRateHz, 6);                                // the profile's 10 kHz is below the core's 15.2 kHz

        BoardFit managed = rows.Single(r => r.Board == "stm32f769i-discovery" && r.Engine == "managed");
        Assert.False(managed.Holds);                                              // the profile's 1 kHz
        Assert.All(rows.Where(r => r.Board.StartsWith("esp32-devkitc") && r.Engine == "native"), r =>
        {
            Assert.Null(r.Holds);                                                 // an Xtensa core is not measured: unknown, never "yes"
            Assert.Null(r.Load);
        });

        List<BoardFit> slow = BoardFit.For(boards, measured, modelRateHz: 1000);
        Assert.All(slow.Where(r => r.Load is not null), r => Assert.True(r.Holds));
        Assert.Null(slow.Single(r => r.Board == "esp32-devkitc" && r.Engine == "managed").Holds);   // within its 2 kHz, cost unknown
        Assert.DoesNotContain(BoardFit.For(boards, [], 10_000), r => r.Holds == true);
    }
}
