namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// An .rmmq model unpacked into flat primitive arrays (nanoFramework allocates one heap object per
    /// struct in an array, so there are no record structs here). <see cref="RmmqReader"/> builds one from a
    /// file and checks every index in it against the arrays it points into, so the kernel can use them
    /// without checks (TF6); it marks it <see cref="Validated"/>. A compiler fills one by hand for
    /// <see cref="RmmqWriter"/>; the kernel refuses such a model until it has been written and read back.
    /// </summary>
    public sealed class RmmqModel
    {
        /// <summary>True only for a model <see cref="RmmqReader"/> returned: the only kind the kernel runs.</summary>
        public bool Validated { get; internal set; }

        /// <summary>Format version of the file (1 or 2).</summary>
        public int Version;

        /// <summary>Model step in nanoseconds.</summary>
        public int DtNs;
        public int NeuronCount;
        public int CurrentCount;
        public int LayerCount;
        public int StateCount;
        public int WeightBits;
        public int MacsPerStep;
        public int ParameterCount;
        public int ArenaBytes;

        /// <summary>Widest layer input or output: the size of each activation scratch buffer.</summary>
        public int MaxWidth;

        // Neurons.
        public bool[] External;
        /// <summary>dt / c in Q7.24 (mV per nA per step).</summary>
        public int[] StepGain;
        /// <summary>Leak conductance g_L in Q7.24 µS.</summary>
        public int[] LeakConductance;
        /// <summary>Leak reversal E_L in Q15.16 mV.</summary>
        public int[] LeakReversal;
        /// <summary>Voltage clamp range in Q15.16 mV.</summary>
        public int[] VoltageMin;
        public int[] VoltageMax;

        // Currents.
        public int[] Owner;
        public int[] Source;
        public int[] Kind;
        public int[] BankKind;
        public int[] BankSize;
        public bool[] UsesVoltage;
        public int[] FirstLayerA;
        public int[] LayersA;
        public int[] FirstLayerB;
        public int[] LayersB;
        /// <summary>Index of the current's first state in the bank arrays and in the kernel's state.</summary>
        public int[] BankIndex;
        /// <summary>Index of the current's first input in the normalisation arrays.</summary>
        public int[] NormIndex;
        /// <summary>Gating: maximal conductance g in Q15.16 µS.</summary>
        public int[] Conductance;
        /// <summary>Gating: reversal E in Q15.16 mV.</summary>
        public int[] Reversal;
        /// <summary>What drives the bank: a BankInputCode.</summary>
        public int[] BankInput;
        /// <summary>Spike activity: threshold (Q15.16 mV), and the multiplier and shift that turn v − threshold into x/2 in Q4.11.</summary>
        public int[] ActivityCenter;
        public int[] ActivityMultiplier;
        public int[] ActivityShift;

        // Filter bank coefficients per state, Q1.30: λ_i, and the input gain (1 − λ for diagonal banks, √(1 − λ²) for GOBF).
        public int[] Lambda;
        public int[] BankGain;

        // Normalisation per MLP input: z = SaturateUnit(RoundShift((x − center) · multiplier, shift)).
        public int[] NormCenter;
        public int[] NormMultiplier;
        public int[] NormShift;

        // Layers.
        public int[] LayerIn;
        public int[] LayerOut;
        public int[] LayerActivation;
        public int[] LayerWeightIndex;
        public int[] LayerParamIndex;

        /// <summary>All weights (int8 or int16 in the file), widened to short.</summary>
        public short[] Weights;

        // Per layer output: bias in accumulator units (int64: with 16-bit weights it is ≈ b·2^30/max|w|),
        // requantisation multiplier and shift.
        public long[] Bias;
        public int[] Multiplier;
        public int[] Shift;

        /// <summary>tanh table, Q0.15, <see cref="Kernel.ActivationTable.Entries"/> entries.</summary>
        public short[] Table;
    }
}
