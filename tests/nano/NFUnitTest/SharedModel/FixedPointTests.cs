using nanoFramework.TestFramework;
using RmmEdge.SharedModel.Kernel;

namespace NFUnitTest.SharedModel
{
    /// <summary>The rounding and saturation rules of the kernel, as the format document states them.</summary>
    [TestClass]
    public class FixedPointTests
    {
        [TestMethod]
        public void RoundShiftRoundsHalfTowardsPlusInfinity()
        {
            Assert.AreEqual(3L, FixedPoint.RoundShift(5, 1));     // 2.5 → 3
            Assert.AreEqual(-2L, FixedPoint.RoundShift(-5, 1));   // −2.5 → −2
            Assert.AreEqual(-3L, FixedPoint.RoundShift(-6, 1));   // exact
            Assert.AreEqual(1L, FixedPoint.RoundShift(3, 2));     // 0.75 → 1
            Assert.AreEqual(0L, FixedPoint.RoundShift(1, 2));     // 0.25 → 0
            Assert.AreEqual(7L, FixedPoint.RoundShift(7, 0));     // no shift
        }

        [TestMethod]
        public void SaturationClampsToTheTargetRange()
        {
            Assert.AreEqual(int.MaxValue, FixedPoint.SaturateInt32(1L << 40));
            Assert.AreEqual(int.MinValue, FixedPoint.SaturateInt32(-(1L << 40)));
            Assert.AreEqual(32767, FixedPoint.SaturateUnit(40000));
            Assert.AreEqual(-32767, FixedPoint.SaturateUnit(-40000));
            Assert.AreEqual(-123, FixedPoint.SaturateUnit(-123));
        }

        [TestMethod]
        public void RequantizeIsMultiplyThenRoundShift()
        {
            // 1000 · 16384 · 2^−15 = 500 exactly; 1001 · 16384 · 2^−15 = 500.5 → 501.
            Assert.AreEqual(500, FixedPoint.Requantize(1000, 16384, 15));
            Assert.AreEqual(501, FixedPoint.Requantize(1001, 16384, 15));
            Assert.AreEqual(int.MaxValue, FixedPoint.Requantize(1L << 40, 32767, 1));   // 2^54: saturates
        }

        [TestMethod]
        public void TableInterpolatesBetweenKnotsAndClampsItsInput()
        {
            short[] table = new short[ActivationTable.Entries];
            for (int i = 0; i < table.Length; i++)
            {
                table[i] = (short)(i * 64 - 16384);   // a straight line: interpolation must be exact
            }

            Assert.AreEqual(-16384, ActivationTable.Tanh(table, ActivationTable.InputMin));
            Assert.AreEqual(0, ActivationTable.Tanh(table, 0));
            Assert.AreEqual(5, ActivationTable.Tanh(table, 5));
            Assert.AreEqual(ActivationTable.Tanh(table, ActivationTable.InputMax), ActivationTable.Tanh(table, 1 << 20));
            Assert.AreEqual(ActivationTable.Tanh(table, ActivationTable.InputMin), ActivationTable.Tanh(table, -(1 << 20)));
        }
    }
}
