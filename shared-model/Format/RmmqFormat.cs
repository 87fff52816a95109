namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// Constants of the .rmmq model file (TF9: the format's rules live at its top): magic, versions and
    /// the limits the loaders enforce. The byte layout by name is <see cref="RmmqLayout"/>; units and
    /// ranges are in shared-model/Format/rmmq-format.md.
    ///
    /// Rules: little-endian; magic "RMMQ"; a reader accepts only versions it knows (unknown versions
    /// are rejected, never guessed); sections are found through the directory, and new section ids
    /// are only ever appended; a retired id is never reused; a section flagged Optional may be skipped
    /// by readers that do not know it, any other unknown section is an error.
    ///
    /// Revision history: version 1 (2026-11) — first release; version 2 (2026-11) — a current's bank
    /// may be driven by the spike activity of its source (bytes 7 and 32–39 of the current record, zero
    /// in version 1). Writers emit version 1 unless a model needs version 2; readers accept both.
    /// </summary>
    public static class RmmqFormat
    {
        /// <summary>"RMMQ" read as a little-endian uint32.</summary>
        public const uint Magic = 0x514D4D52;

        /// <summary>The newest version this code reads and writes.</summary>
        public const ushort Version = 2;

        /// <summary>The oldest version this code reads (and writes for models that need nothing newer).</summary>
        public const ushort OldestVersion = 1;

        // Limits the loader enforces.
        public const int MaxNeurons = 16;
        public const int MaxCurrents = 64;
        public const int MaxLayers = 256;
        public const int MaxBankSize = 256;
        public const int MaxStates = 4096;

        /// <summary>
        /// Accumulation budget (CM5): with at most this many layer inputs, |Σ w·z + b|·multiplier stays
        /// below 2^62 for 16-bit weights, Q0.15 inputs and 15-bit multipliers, so int64 never overflows.
        /// </summary>
        public const int MaxLayerInputs = 4096;
    }

    /// <summary>Section ids (never reused).</summary>
    public enum SectionId
    {
        Neurons = 1,
        Currents = 2,
        Banks = 3,
        Normalization = 4,
        Layers = 5,
        Weights = 6,
        LayerParams = 7,
        ActivationTable = 8,
    }

    /// <summary>Section flags.</summary>
    public enum SectionFlags
    {
        None = 0,
        Optional = 1,
    }

    /// <summary>How a current is computed.</summary>
    public enum CurrentKindCode
    {
        /// <summary>ψ = MLP(normalised [v, x]) (the output layer yields nA).</summary>
        Lumped = 0,

        /// <summary>ψ = g · a(x) · b(x) · (v − E) (a, b: MLP outputs in Q16 units).</summary>
        Gating = 1,
    }

    /// <summary>Filter bank realisation.</summary>
    public enum BankKindCode
    {
        /// <summary>x ← x + K·(u − x), K = 1 − λ.</summary>
        Diagonal = 0,

        /// <summary>GOBF cascade: y_i = B_i x_i − λ_i u_i; x_i ← λ_i x_i + B_i u_i; u_{i+1} = y_i.</summary>
        Orthonormal = 1,
    }

    /// <summary>What drives a current's filter bank (version 2; always Voltage in version 1).</summary>
    public enum BankInputCode
    {
        /// <summary>The source neuron's voltage (Q15.16 mV).</summary>
        Voltage = 0,

        /// <summary>
        /// The source's spike activity σ((v − center)/slope) in Q1.30 (1.0 = 2^30; the bank's states and
        /// their normalisation centers too): the table sigmoid of RoundShift((v − center)·m, s), which
        /// holds (v − center)/(2·slope) in Q4.11.
        /// </summary>
        SpikeActivity = 1,
    }

    /// <summary>Layer activation.</summary>
    public enum ActivationCode
    {
        Identity = 0,
        Tanh = 1,

        /// <summary>Sigmoid; the layer's multiplier already halves its input (σ(x) = (1 + tanh(x/2))/2).</summary>
        Sigmoid = 2,
    }

    /// <summary>Why a file was rejected.</summary>
    public enum ModelStatus
    {
        Ok = 0,
        TooShort = 1,
        BadMagic = 2,
        UnsupportedVersion = 3,
        BadHeader = 4,
        SizeMismatch = 5,
        BadCrc = 6,
        BadCount = 7,
        BadDirectory = 8,
        MissingSection = 9,
        BadSectionLength = 10,
        BadIndex = 11,
        BadValue = 12,
        BadLayerChain = 13,
        BadTable = 14,
    }
}
