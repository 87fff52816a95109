namespace RmmEdge.SharedModel.Kernel
{
    /// <summary>
    /// tanh by table with linear interpolation, and the logistic sigmoid through the identity
    /// σ(x) = (1 + tanh(x/2)) / 2, so one table serves both (CM8). The table holds
    /// <see cref="Entries"/> values of tanh in Q0.15 at the knots x_i = −8 + 16·i/<see cref="Segments"/>;
    /// inputs are Q4.11, clamped to [−8, 8 − 2^−11]. The compiler writes the table into the model file,
    /// and the loader checks it, so the device computes no transcendental function.
    /// </summary>
    public static class ActivationTable
    {
        public const int Segments = 512;
        public const int Entries = Segments + 1;

        /// <summary>Table-input units per segment: the Q4.11 domain spans 2^15 units.</summary>
        public const int SegmentShift = 6;

        public const int InputMin = -16384, InputMax = 16383;

        /// <summary>tanh(input / 2^11) in Q0.15, by linear interpolation between knots.</summary>
        public static int Tanh(short[] table, int input)
        {
            if (input < InputMin)
            {
                input = InputMin;
            }
            else if (input > InputMax)
            {
                input = InputMax;
            }

            int offset = input - InputMin;                 // 0 .. 32767
            int index = offset >> SegmentShift;            // 0 .. 511
            int fraction = offset & ((1 << SegmentShift) - 1);
            int low = table[index];
            int high = table[index + 1];
            return low + (int)FixedPoint.RoundShift((long)(high - low) * fraction, SegmentShift);
        }

        /// <summary>σ from a Q4.11 input that already holds x/2 (the halving is folded into the layer's multiplier): Q0.15 in [0, 32767].</summary>
        public static int SigmoidOfHalf(short[] table, int halfInput)
        {
            return (Tanh(table, halfInput) + FixedPoint.UnitMax + 1) >> 1;
        }
    }
}
