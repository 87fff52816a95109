namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// The byte layout of an .rmmq file, by name: the header's fields, the directory entry, and the
    /// offset of every field inside each record, as tabulated in rmmq-format.md. <see cref="RmmqReader"/>,
    /// <see cref="RmmqWriter"/> and the C loader (firmware/native/rmm_layout.h, the same names in C,
    /// checked against these by a test) read and write through these names only.
    /// </summary>
    public static class RmmqLayout
    {
        // Header (48 bytes).
        public const int HeaderSize = 48;
        public const int OffsetMagic = 0;
        public const int OffsetVersion = 4;
        public const int OffsetHeaderSize = 6;
        public const int OffsetFileSize = 8;
        public const int OffsetCrc = 12;
        public const int OffsetDtNs = 16;
        public const int OffsetNeuronCount = 20;
        public const int OffsetCurrentCount = 21;
        public const int OffsetWeightBits = 22;
        public const int OffsetSectionCount = 23;
        public const int OffsetLayerCount = 24;
        public const int OffsetStateCount = 26;
        public const int OffsetArenaBytes = 28;
        public const int OffsetMacsPerStep = 32;
        public const int OffsetParameterCount = 36;

        /// <summary>Reserved header bytes, zero: from here to <see cref="HeaderSize"/>.</summary>
        public const int OffsetReserved = 40;

        // Directory entry (12 bytes each, from HeaderSize): u16 id, u16 flags, u32 offset, u32 length.
        public const int DirectoryEntrySize = 12;
        public const int EntryId = 0;
        public const int EntryFlags = 2;
        public const int EntryOffset = 4;
        public const int EntryLength = 8;

        /// <summary>Sections start at multiples of this (zero padding between them).</summary>
        public const int SectionAlignment = 4;

        // Neuron record (24 bytes).
        public const int NeuronRecordSize = 24;
        public const int NeuronExternal = 0;
        public const int NeuronStepGain = 4;
        public const int NeuronLeakConductance = 8;
        public const int NeuronLeakReversal = 12;
        public const int NeuronVoltageMin = 16;
        public const int NeuronVoltageMax = 20;

        // Current record (40 bytes).
        public const int CurrentRecordSize = 40;
        public const int CurrentOwner = 0;
        public const int CurrentSource = 1;
        public const int CurrentKind = 2;
        public const int CurrentBankKind = 3;
        public const int CurrentBankSize = 4;
        public const int CurrentUsesVoltage = 6;
        public const int CurrentBankInput = 7;
        public const int CurrentFirstLayerA = 8;
        public const int CurrentLayersA = 10;
        public const int CurrentPadA = 11;
        public const int CurrentFirstLayerB = 12;
        public const int CurrentLayersB = 14;
        public const int CurrentPadB = 15;
        public const int CurrentBankIndex = 16;
        public const int CurrentNormIndex = 20;
        public const int CurrentConductance = 24;
        public const int CurrentReversal = 28;
        public const int CurrentActivityCenter = 32;
        public const int CurrentActivityMultiplier = 36;
        public const int CurrentActivityShift = 38;
        public const int CurrentActivityPad = 39;

        // Layer record (16 bytes).
        public const int LayerRecordSize = 16;
        public const int LayerIn = 0;
        public const int LayerOut = 2;
        public const int LayerActivation = 4;
        public const int LayerPad = 5;
        public const int LayerWeightIndex = 8;
        public const int LayerParamIndex = 12;

        // Bank entry (8 bytes per state).
        public const int BankEntrySize = 8;
        public const int BankLambda = 0;
        public const int BankGain = 4;

        // Normalisation entry (8 bytes per MLP input).
        public const int NormEntrySize = 8;
        public const int NormCenter = 0;
        public const int NormMultiplier = 4;
        public const int NormShift = 6;
        public const int NormPad = 7;

        // Layer parameter entry (12 bytes per layer output).
        public const int ParamEntrySize = 12;
        public const int ParamBias = 0;
        public const int ParamMultiplier = 8;
        public const int ParamShift = 10;
        public const int ParamPad = 11;

        /// <summary>Bytes per activation-table entry (int16).</summary>
        public const int TableEntrySize = 2;

        /// <summary>
        /// The working memory the kernel allocates for a model, in bytes: voltages, next voltages,
        /// currents into each neuron, bank states, per-current ψ, the input vector and two activation
        /// buffers (4 bytes each). The header states it; the loaders check the two agree (TF8).
        /// </summary>
        public static int ArenaBytes(int neurons, int states, int currents, int maxWidth)
        {
            return 4 * (3 * neurons + states + currents + 3 * maxWidth);
        }
    }
}
