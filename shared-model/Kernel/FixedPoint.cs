namespace RmmEdge.SharedModel.Kernel
{
    /// <summary>
    /// The integer helpers every stage of the step kernel ends in (CM4). One rounding rule everywhere:
    /// <b>RoundShift(x, s) = (x + 2^(s−1)) &gt;&gt; s</b> with an arithmetic shift, i.e. round half
    /// towards +∞; s = 0 returns x. Saturation clamps to the target type's range. The C twin
    /// (firmware/native/rmm_fixed.h) implements the same functions, in the same order of operations.
    /// </summary>
    public static class FixedPoint
    {
        /// <summary>Fixed-point formats, as fractional bits.</summary>
        public const int VoltageBits = 16;     // mV, and filter states: Q15.16 in int32
        public const int CurrentBits = 16;     // nA: Q15.16 in int32
        public const int UnitBits = 15;        // normalised inputs and activations: Q0.15 in int16 range
        public const int CoefficientBits = 30; // filter coefficients: Q1.30
        public const int ActivityBits = 30;    // spike activity and the states of banks it drives: Q1.30 (see StepKernel.BankDrive)
        public const int GainBits = 24;        // dt/c and leak conductance: Q7.24
        public const int TableInputBits = 11;  // activation-table input: Q4.11, domain [−8, 8)

        /// <summary>Largest value of a Q0.15 quantity (+1 − 2^−15); the smallest is its negative.</summary>
        public const int UnitMax = 32767;

        /// <summary>Requantisation multipliers are in [MultiplierMin, MultiplierMax]: 15 significant bits.</summary>
        public const int MultiplierMin = 16384, MultiplierMax = 32767;

        /// <summary>
        /// Largest dt/c and leak conductance (Q7.24): 2^28, i.e. 16 mV per nA per step and 16 µS. With
        /// it every product in the step stays below 2^62, so int64 never overflows (the C twin relies
        /// on that: signed overflow is undefined behaviour in C).
        /// </summary>
        public const int GainMax = 1 << 28;

        /// <summary>
        /// Largest |bias| in accumulator units: 2^44. With at most 4096 inputs of Q0.15 times 16-bit
        /// weights (|Σ w·z| &lt; 2^42) and a 15-bit multiplier, (Σ w·z + b)·multiplier stays below 2^61.
        /// </summary>
        public const long BiasMax = 1L << 44;

        /// <summary>Largest right shift a requantisation may use.</summary>
        public const int ShiftMax = 62;

        public static long RoundShift(long x, int shift)
        {
            if (shift <= 0)
            {
                return x;
            }

            return (x + (1L << (shift - 1))) >> shift;
        }

        public static int SaturateInt32(long x)
        {
            if (x > int.MaxValue)
            {
                return int.MaxValue;
            }

            if (x < int.MinValue)
            {
                return int.MinValue;
            }

            return (int)x;
        }

        /// <summary>Clamps to the symmetric Q0.15 range [−32767, 32767].</summary>
        public static int SaturateUnit(long x)
        {
            if (x > UnitMax)
            {
                return UnitMax;
            }

            if (x < -UnitMax)
            {
                return -UnitMax;
            }

            return (int)x;
        }

        /// <summary>x · multiplier · 2^−shift, rounded by <see cref="RoundShift"/>, saturated to int32.</summary>
        public static int Requantize(long x, int multiplier, int shift)
        {
            return SaturateInt32(RoundShift(x * multiplier, shift));
        }

        /// <summary>a · b · 2^−shift for two int32 values, rounded, saturated to int32.</summary>
        public static int MultiplyShift(int a, int b, int shift)
        {
            return SaturateInt32(RoundShift((long)a * b, shift));
        }
    }
}
