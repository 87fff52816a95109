using System;
using RmmEdge.SharedModel.Kernel;

namespace RmmEdge.SharedModel.Format
{
    /// <summary>The outcome of loading a model file: a model, or a reason with the field and byte offset.</summary>
    public sealed class ModelLoadResult
    {
        internal ModelLoadResult(ModelStatus status, string field, int offset, RmmqModel model)
        {
            Status = status;
            Field = field;
            Offset = offset;
            Model = model;
        }

        public ModelStatus Status { get; }

        /// <summary>The field that failed (empty when Ok).</summary>
        public string Field { get; }

        /// <summary>Byte offset of that field in the file (−1 when not applicable).</summary>
        public int Offset { get; }

        public RmmqModel Model { get; }

        public bool Ok
        {
            get { return Status == ModelStatus.Ok; }
        }

        public override string ToString()
        {
            return Ok ? "ok" : "rejected: " + StatusName(Status) + " at " + Field + " (byte " + Offset.ToString() + ")";
        }

        /// <summary>Enum names by hand: nanoFramework's Enum.ToString prints the number.</summary>
        public static string StatusName(ModelStatus status)
        {
            switch (status)
            {
                case ModelStatus.Ok: return "ok";
                case ModelStatus.TooShort: return "file too short";
                case ModelStatus.BadMagic: return "not an .rmmq file";
                case ModelStatus.UnsupportedVersion: return "unsupported format version";
                case ModelStatus.BadHeader: return "bad header";
                case ModelStatus.SizeMismatch: return "file size does not match the header";
                case ModelStatus.BadCrc: return "CRC mismatch";
                case ModelStatus.BadCount: return "count out of range";
                case ModelStatus.BadDirectory: return "bad section directory";
                case ModelStatus.MissingSection: return "missing section";
                case ModelStatus.BadSectionLength: return "wrong section length";
                case ModelStatus.BadIndex: return "index out of range";
                case ModelStatus.BadValue: return "value out of range";
                case ModelStatus.BadLayerChain: return "layer sizes do not chain";
                case ModelStatus.BadTable: return "bad activation table";
                default: return "unknown";
            }
        }
    }

    /// <summary>
    /// Reads and validates a .rmmq file (TF3/TF6: all checks at load, none in the step). Every count,
    /// size, offset and index is checked against the buffer before it is used, so no file can make the
    /// kernel read or write out of bounds; multipliers, shifts and coefficients are checked against the
    /// ranges the arithmetic assumes. Never throws on bad input: returns a reason.
    /// </summary>
    public static class RmmqReader
    {
        public static ModelLoadResult Load(byte[] file)
        {
            if (file == null || file.Length < RmmqFormat.HeaderSize)
            {
                return Fail(ModelStatus.TooShort, "header", 0);
            }

            if (U32(file, RmmqFormat.OffsetMagic) != RmmqFormat.Magic)
            {
                return Fail(ModelStatus.BadMagic, "magic", RmmqFormat.OffsetMagic);
            }

            int version = U16(file, RmmqFormat.OffsetVersion);
            if (version < RmmqFormat.OldestVersion || version > RmmqFormat.Version)
            {
                return Fail(ModelStatus.UnsupportedVersion, "version", RmmqFormat.OffsetVersion);
            }

            if (U16(file, RmmqFormat.OffsetHeaderSize) != RmmqFormat.HeaderSize)
            {
                return Fail(ModelStatus.BadHeader, "header_size", RmmqFormat.OffsetHeaderSize);
            }

            if (U32(file, RmmqFormat.OffsetFileSize) != (uint)file.Length)
            {
                return Fail(ModelStatus.SizeMismatch, "file_size", RmmqFormat.OffsetFileSize);
            }

            if (ComputeCrc(file) != U32(file, RmmqFormat.OffsetCrc))
            {
                return Fail(ModelStatus.BadCrc, "crc32", RmmqFormat.OffsetCrc);
            }

            var m = new RmmqModel();
            m.Version = version;
            m.DtNs = I32(file, RmmqFormat.OffsetDtNs);
            m.NeuronCount = file[RmmqFormat.OffsetNeuronCount];
            m.CurrentCount = file[RmmqFormat.OffsetCurrentCount];
            m.WeightBits = file[RmmqFormat.OffsetWeightBits];
            int sectionCount = file[RmmqFormat.OffsetSectionCount];
            m.LayerCount = U16(file, RmmqFormat.OffsetLayerCount);
            m.StateCount = U16(file, RmmqFormat.OffsetStateCount);
            m.ArenaBytes = I32(file, RmmqFormat.OffsetArenaBytes);
            m.MacsPerStep = I32(file, RmmqFormat.OffsetMacsPerStep);
            m.ParameterCount = I32(file, RmmqFormat.OffsetParameterCount);
            if (m.DtNs <= 0)
            {
                return Fail(ModelStatus.BadValue, "dt_ns", RmmqFormat.OffsetDtNs);
            }

            if (m.NeuronCount < 1 || m.NeuronCount > RmmqFormat.MaxNeurons)
            {
                return Fail(ModelStatus.BadCount, "neuron_count", RmmqFormat.OffsetNeuronCount);
            }

            if (m.CurrentCount > RmmqFormat.MaxCurrents)
            {
                return Fail(ModelStatus.BadCount, "current_count", RmmqFormat.OffsetCurrentCount);
            }

            if (m.WeightBits != 8 && m.WeightBits != 16)
            {
                return Fail(ModelStatus.BadValue, "weight_bits", RmmqFormat.OffsetWeightBits);
            }

            if (m.LayerCount > RmmqFormat.MaxLayers || (m.CurrentCount > 0 && m.LayerCount < 1))
            {
                return Fail(ModelStatus.BadCount, "layer_count", RmmqFormat.OffsetLayerCount);
            }

            if (m.StateCount > RmmqFormat.MaxStates)
            {
                return Fail(ModelStatus.BadCount, "state_count", RmmqFormat.OffsetStateCount);
            }

            for (int r = 40; r < RmmqFormat.HeaderSize; r++)
            {
                if (file[r] != 0)
                {
                    return Fail(ModelStatus.BadHeader, "reserved", r);
                }
            }

            // Directory: find each required section exactly once, within the file.
            int directoryEnd = RmmqFormat.HeaderSize + sectionCount * RmmqFormat.DirectoryEntrySize;
            if (sectionCount < 1 || directoryEnd > file.Length)
            {
                return Fail(ModelStatus.BadDirectory, "section_count", RmmqFormat.OffsetSectionCount);
            }

            int[] sectionOffset = new int[9];
            int[] sectionLength = new int[9];
            for (int s = 0; s < 9; s++)
            {
                sectionOffset[s] = -1;
            }

            for (int e = 0; e < sectionCount; e++)
            {
                int at = RmmqFormat.HeaderSize + e * RmmqFormat.DirectoryEntrySize;
                int id = U16(file, at);
                int flags = U16(file, at + 2);
                uint offset = U32(file, at + 4);
                uint length = U32(file, at + 8);
                if (offset < (uint)directoryEnd || offset > (uint)file.Length || length > (uint)file.Length - offset || (offset & 3) != 0)
                {
                    return Fail(ModelStatus.BadDirectory, "section_bounds", at);
                }

                if (id >= 1 && id <= 8)
                {
                    if (sectionOffset[id] >= 0)
                    {
                        return Fail(ModelStatus.BadDirectory, "duplicate_section", at);
                    }

                    sectionOffset[id] = (int)offset;
                    sectionLength[id] = (int)length;
                }
                else if ((flags & (int)SectionFlags.Optional) == 0)
                {
                    return Fail(ModelStatus.BadDirectory, "unknown_section", at);
                }
            }

            for (int s = 1; s <= 8; s++)
            {
                if (sectionOffset[s] < 0)
                {
                    return Fail(ModelStatus.MissingSection, SectionName(s), RmmqFormat.HeaderSize);
                }
            }

            ModelLoadResult bad = CheckLength(sectionLength, SectionId.Neurons, m.NeuronCount * RmmqFormat.NeuronRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Currents, m.CurrentCount * RmmqFormat.CurrentRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Layers, m.LayerCount * RmmqFormat.LayerRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Banks, m.StateCount * RmmqFormat.BankEntrySize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.ActivationTable, ActivationTable.Entries * 2, sectionOffset);
            if (bad != null) { return bad; }

            bad = ReadNeurons(file, sectionOffset[(int)SectionId.Neurons], m);
            if (bad != null) { return bad; }
            bad = ReadLayers(file, sectionOffset, sectionLength, m);
            if (bad != null) { return bad; }
            bad = ReadCurrents(file, sectionOffset, sectionLength, m);
            if (bad != null) { return bad; }
            bad = ReadBanks(file, sectionOffset[(int)SectionId.Banks], m);
            if (bad != null) { return bad; }
            bad = ReadTable(file, sectionOffset[(int)SectionId.ActivationTable], m);
            if (bad != null) { return bad; }

            int arena = RequiredArenaBytes(m);
            if (m.ArenaBytes != arena)
            {
                return Fail(ModelStatus.BadValue, "arena_bytes", RmmqFormat.OffsetArenaBytes);
            }

            return new ModelLoadResult(ModelStatus.Ok, "", -1, m);
        }

        /// <summary>
        /// The working memory the kernel allocates for a model, in bytes: voltages, next voltages,
        /// currents into each neuron, bank states, per-current ψ, the input vector and two activation
        /// buffers (4 bytes each). The file states it; the loader checks the two agree (TF8).
        /// </summary>
        public static int RequiredArenaBytes(RmmqModel m)
        {
            return 4 * (3 * m.NeuronCount + m.StateCount + m.CurrentCount + 3 * m.MaxWidth);
        }

        /// <summary>CRC-32 of the whole file with its CRC field taken as zero.</summary>
        public static uint ComputeCrc(byte[] file)
        {
            uint register = Crc32.Update(Crc32.Initial, file, 0, RmmqFormat.OffsetCrc);
            byte[] zero = new byte[4];
            register = Crc32.Update(register, zero, 0, 4);
            register = Crc32.Update(register, file, RmmqFormat.OffsetCrc + 4, file.Length - RmmqFormat.OffsetCrc - 4);
            return Crc32.Finish(register);
        }

        private static ModelLoadResult ReadNeurons(byte[] f, int at, RmmqModel m)
        {
            int n = m.NeuronCount;
            m.External = new bool[n];
            m.StepGain = new int[n];
            m.LeakConductance = new int[n];
            m.LeakReversal = new int[n];
            m.VoltageMin = new int[n];
            m.VoltageMax = new int[n];
            for (int i = 0; i < n; i++)
            {
                int r = at + i * RmmqFormat.NeuronRecordSize;
                int external = f[r];
                if (external > 1 || f[r + 1] != 0 || f[r + 2] != 0 || f[r + 3] != 0)
                {
                    return Fail(ModelStatus.BadValue, "neuron.external", r);
                }

                m.External[i] = external == 1;
                m.StepGain[i] = I32(f, r + 4);
                m.LeakConductance[i] = I32(f, r + 8);
                m.LeakReversal[i] = I32(f, r + 12);
                m.VoltageMin[i] = I32(f, r + 16);
                m.VoltageMax[i] = I32(f, r + 20);
                if (m.StepGain[i] < 0 || m.StepGain[i] > FixedPoint.GainMax || m.LeakConductance[i] < 0 || m.LeakConductance[i] > FixedPoint.GainMax)
                {
                    return Fail(ModelStatus.BadValue, "neuron.gain", r + 4);
                }

                if (m.VoltageMin[i] >= m.VoltageMax[i])
                {
                    return Fail(ModelStatus.BadValue, "neuron.voltage_range", r + 16);
                }
            }

            return null;
        }

        private static ModelLoadResult ReadLayers(byte[] f, int[] offset, int[] length, RmmqModel m)
        {
            int at = offset[(int)SectionId.Layers];
            int l = m.LayerCount;
            m.LayerIn = new int[l];
            m.LayerOut = new int[l];
            m.LayerActivation = new int[l];
            m.LayerWeightIndex = new int[l];
            m.LayerParamIndex = new int[l];
            int weightBytes = m.WeightBits / 8;
            int totalWeights = length[(int)SectionId.Weights] / weightBytes;
            int totalParams = length[(int)SectionId.LayerParams] / RmmqFormat.ParamEntrySize;
            if (totalWeights * weightBytes != length[(int)SectionId.Weights])
            {
                return Fail(ModelStatus.BadSectionLength, "weights", offset[(int)SectionId.Weights]);
            }

            if (totalParams * RmmqFormat.ParamEntrySize != length[(int)SectionId.LayerParams])
            {
                return Fail(ModelStatus.BadSectionLength, "layer_params", offset[(int)SectionId.LayerParams]);
            }

            int maxWidth = 1;
            long macs = 0;
            for (int i = 0; i < l; i++)
            {
                int r = at + i * RmmqFormat.LayerRecordSize;
                int inSize = U16(f, r);
                int outSize = U16(f, r + 2);
                int activation = f[r + 4];
                uint weightIndex = U32(f, r + 8);
                uint paramIndex = U32(f, r + 12);
                if (inSize < 1 || inSize > RmmqFormat.MaxLayerInputs || outSize < 1 || outSize > RmmqFormat.MaxLayerInputs)
                {
                    return Fail(ModelStatus.BadCount, "layer.size", r);
                }

                if (activation > (int)ActivationCode.Sigmoid || f[r + 5] != 0 || U16(f, r + 6) != 0)
                {
                    return Fail(ModelStatus.BadValue, "layer.activation", r + 4);
                }

                if (weightIndex > (uint)totalWeights || (long)inSize * outSize > totalWeights - (long)weightIndex)
                {
                    return Fail(ModelStatus.BadIndex, "layer.weight_index", r + 8);
                }

                if (paramIndex > (uint)totalParams || outSize > totalParams - (long)paramIndex)
                {
                    return Fail(ModelStatus.BadIndex, "layer.param_index", r + 12);
                }

                m.LayerIn[i] = inSize;
                m.LayerOut[i] = outSize;
                m.LayerActivation[i] = activation;
                m.LayerWeightIndex[i] = (int)weightIndex;
                m.LayerParamIndex[i] = (int)paramIndex;
                if (inSize > maxWidth) { maxWidth = inSize; }
                if (outSize > maxWidth) { maxWidth = outSize; }
                macs += (long)inSize * outSize;
            }

            m.MaxWidth = maxWidth;
            if (macs != m.MacsPerStep)
            {
                return Fail(ModelStatus.BadValue, "macs_per_step", RmmqFormat.OffsetMacsPerStep);
            }

            int w = offset[(int)SectionId.Weights];
            m.Weights = new short[totalWeights];
            for (int i = 0; i < totalWeights; i++)
            {
                m.Weights[i] = weightBytes == 1 ? (short)(sbyte)f[w + i] : (short)U16(f, w + 2 * i);
                if (m.Weights[i] == short.MinValue && weightBytes == 2)
                {
                    // Symmetric int16 weights: the C kernel adds two products in 32 bits, which −32768 × −32768 twice would overflow.
                    return Fail(ModelStatus.BadValue, "weights", w + 2 * i);
                }
            }

            int p = offset[(int)SectionId.LayerParams];
            m.Bias = new long[totalParams];
            m.Multiplier = new int[totalParams];
            m.Shift = new int[totalParams];
            for (int i = 0; i < totalParams; i++)
            {
                int r = p + i * RmmqFormat.ParamEntrySize;
                m.Bias[i] = (long)U32(f, r) | ((long)I32(f, r + 4) << 32);
                m.Multiplier[i] = U16(f, r + 8);
                m.Shift[i] = f[r + 10];
                if (m.Bias[i] > FixedPoint.BiasMax || m.Bias[i] < -FixedPoint.BiasMax)
                {
                    return Fail(ModelStatus.BadValue, "layer.bias", r);
                }

                if (m.Multiplier[i] < FixedPoint.MultiplierMin || m.Multiplier[i] > FixedPoint.MultiplierMax)
                {
                    return Fail(ModelStatus.BadValue, "layer.multiplier", r + 8);
                }

                if (m.Shift[i] > FixedPoint.ShiftMax || f[r + 11] != 0)
                {
                    return Fail(ModelStatus.BadValue, "layer.shift", r + 10);
                }
            }

            return null;
        }

        private static ModelLoadResult ReadCurrents(byte[] f, int[] offset, int[] length, RmmqModel m)
        {
            int at = offset[(int)SectionId.Currents];
            int c = m.CurrentCount;
            m.Owner = new int[c];
            m.Source = new int[c];
            m.Kind = new int[c];
            m.BankKind = new int[c];
            m.BankSize = new int[c];
            m.UsesVoltage = new bool[c];
            m.FirstLayerA = new int[c];
            m.LayersA = new int[c];
            m.FirstLayerB = new int[c];
            m.LayersB = new int[c];
            m.BankIndex = new int[c];
            m.NormIndex = new int[c];
            m.Conductance = new int[c];
            m.Reversal = new int[c];
            m.BankInput = new int[c];
            m.ActivityCenter = new int[c];
            m.ActivityMultiplier = new int[c];
            m.ActivityShift = new int[c];
            int normEntries = length[(int)SectionId.Normalization] / RmmqFormat.NormEntrySize;
            if (normEntries * RmmqFormat.NormEntrySize != length[(int)SectionId.Normalization])
            {
                return Fail(ModelStatus.BadSectionLength, "normalization", offset[(int)SectionId.Normalization]);
            }

            int states = 0;
            for (int i = 0; i < c; i++)
            {
                int r = at + i * RmmqFormat.CurrentRecordSize;
                int owner = f[r], source = f[r + 1], kind = f[r + 2], bankKind = f[r + 3];
                int bankSize = U16(f, r + 4), usesV = f[r + 6], bankInput = f[r + 7];
                int firstA = U16(f, r + 8), layersA = f[r + 10];
                int firstB = U16(f, r + 12), layersB = f[r + 14];
                uint bankIndex = U32(f, r + 16), normIndex = U32(f, r + 20);
                if (owner >= m.NeuronCount || source >= m.NeuronCount)
                {
                    return Fail(ModelStatus.BadIndex, "current.neuron", r);
                }

                // Version 1 has no bank inputs: byte 7 and bytes 32–39 are reserved (zero) there.
                int maxInput = m.Version >= 2 ? (int)BankInputCode.SpikeActivity : (int)BankInputCode.Voltage;
                if (kind > (int)CurrentKindCode.Gating || bankKind > (int)BankKindCode.Orthonormal || usesV > 1
                    || bankInput > maxInput || f[r + 11] != 0 || f[r + 15] != 0
                    || (bankInput == (int)BankInputCode.Voltage && (I32(f, r + 32) != 0 || I32(f, r + 36) != 0)))
                {
                    return Fail(ModelStatus.BadValue, "current.kind", r + 2);
                }

                int activityMultiplier = U16(f, r + 36), activityShift = f[r + 38];
                if (bankInput == (int)BankInputCode.SpikeActivity
                    && (activityMultiplier < FixedPoint.MultiplierMin || activityMultiplier > FixedPoint.MultiplierMax
                        || activityShift > FixedPoint.ShiftMax || f[r + 39] != 0))
                {
                    return Fail(ModelStatus.BadValue, "current.activity", r + 36);
                }

                if (kind == (int)CurrentKindCode.Gating && usesV != 0)
                {
                    return Fail(ModelStatus.BadValue, "current.uses_voltage", r + 6);
                }

                if (bankSize < 1 || bankSize > RmmqFormat.MaxBankSize)
                {
                    return Fail(ModelStatus.BadCount, "current.bank_size", r + 4);
                }

                if (bankIndex != (uint)states || bankSize > m.StateCount - states)
                {
                    return Fail(ModelStatus.BadIndex, "current.bank_index", r + 16);
                }

                int inputs = bankSize + usesV;
                if (normIndex > (uint)normEntries || inputs > normEntries - (long)normIndex)
                {
                    return Fail(ModelStatus.BadIndex, "current.norm_index", r + 20);
                }

                ModelLoadResult chain = CheckChain(m, firstA, layersA, inputs, r + 8);
                if (chain != null) { return chain; }
                if (kind == (int)CurrentKindCode.Gating && layersB > 0)
                {
                    chain = CheckChain(m, firstB, layersB, inputs, r + 12);
                    if (chain != null) { return chain; }
                }
                else if (layersB != 0 || firstB != 0)
                {
                    return Fail(ModelStatus.BadLayerChain, "current.layers_b", r + 12);
                }

                m.Owner[i] = owner;
                m.Source[i] = source;
                m.Kind[i] = kind;
                m.BankKind[i] = bankKind;
                m.BankSize[i] = bankSize;
                m.UsesVoltage[i] = usesV == 1;
                m.FirstLayerA[i] = firstA;
                m.LayersA[i] = layersA;
                m.FirstLayerB[i] = firstB;
                m.LayersB[i] = layersB;
                m.BankIndex[i] = (int)bankIndex;
                m.NormIndex[i] = (int)normIndex;
                m.Conductance[i] = I32(f, r + 24);
                m.Reversal[i] = I32(f, r + 28);
                m.BankInput[i] = bankInput;
                m.ActivityCenter[i] = I32(f, r + 32);
                m.ActivityMultiplier[i] = activityMultiplier;
                m.ActivityShift[i] = activityShift;
                if (m.Conductance[i] < 0)
                {
                    return Fail(ModelStatus.BadValue, "current.conductance", r + 24);
                }

                states += bankSize;
            }

            if (states != m.StateCount)
            {
                return Fail(ModelStatus.BadCount, "state_count", RmmqFormat.OffsetStateCount);
            }

            int n = offset[(int)SectionId.Normalization];
            m.NormCenter = new int[normEntries];
            m.NormMultiplier = new int[normEntries];
            m.NormShift = new int[normEntries];
            for (int i = 0; i < normEntries; i++)
            {
                int r = n + i * RmmqFormat.NormEntrySize;
                m.NormCenter[i] = I32(f, r);
                m.NormMultiplier[i] = U16(f, r + 4);
                m.NormShift[i] = f[r + 6];
                if (m.NormMultiplier[i] < FixedPoint.MultiplierMin || m.NormMultiplier[i] > FixedPoint.MultiplierMax
                    || m.NormShift[i] > FixedPoint.ShiftMax || f[r + 7] != 0)
                {
                    return Fail(ModelStatus.BadValue, "normalization.multiplier", r + 4);
                }
            }

            return null;
        }

        /// <summary>Layers first..first+count−1 exist, the first takes <paramref name="inputs"/>, sizes chain, the last has one output.</summary>
        private static ModelLoadResult CheckChain(RmmqModel m, int first, int count, int inputs, int at)
        {
            if (count < 1 || first >= m.LayerCount || count > m.LayerCount - first)
            {
                return Fail(ModelStatus.BadIndex, "current.layers", at);
            }

            int width = inputs;
            for (int l = first; l < first + count; l++)
            {
                if (m.LayerIn[l] != width)
                {
                    return Fail(ModelStatus.BadLayerChain, "layer.in", at);
                }

                bool last = l == first + count - 1;
                if (last != (m.LayerActivation[l] == (int)ActivationCode.Identity))
                {
                    return Fail(ModelStatus.BadLayerChain, "layer.activation", at);
                }

                width = m.LayerOut[l];
            }

            return width == 1 ? null : Fail(ModelStatus.BadLayerChain, "layer.out", at);
        }

        private static ModelLoadResult ReadBanks(byte[] f, int at, RmmqModel m)
        {
            m.Lambda = new int[m.StateCount];
            m.BankGain = new int[m.StateCount];
            int one = 1 << FixedPoint.CoefficientBits;
            for (int i = 0; i < m.StateCount; i++)
            {
                int r = at + i * RmmqFormat.BankEntrySize;
                m.Lambda[i] = I32(f, r);
                m.BankGain[i] = I32(f, r + 4);
                if (m.Lambda[i] < 0 || m.Lambda[i] >= one || m.BankGain[i] < 0 || m.BankGain[i] > one)
                {
                    return Fail(ModelStatus.BadValue, "bank.coefficient", r);
                }
            }

            return null;
        }

        private static ModelLoadResult ReadTable(byte[] f, int at, RmmqModel m)
        {
            m.Table = new short[ActivationTable.Entries];
            for (int i = 0; i < ActivationTable.Entries; i++)
            {
                m.Table[i] = (short)U16(f, at + 2 * i);
                if (m.Table[i] < -FixedPoint.UnitMax || (i > 0 && m.Table[i] < m.Table[i - 1]))
                {
                    return Fail(ModelStatus.BadTable, "activation_table", at + 2 * i);
                }
            }

            return null;
        }

        private static ModelLoadResult CheckLength(int[] length, SectionId id, int expected, int[] offset)
        {
            return length[(int)id] == expected ? null : Fail(ModelStatus.BadSectionLength, SectionName((int)id), offset[(int)id]);
        }

        private static string SectionName(int id)
        {
            switch (id)
            {
                case 1: return "neurons";
                case 2: return "currents";
                case 3: return "banks";
                case 4: return "normalization";
                case 5: return "layers";
                case 6: return "weights";
                case 7: return "layer_params";
                case 8: return "activation_table";
                default: return "section";
            }
        }

        private static ModelLoadResult Fail(ModelStatus status, string field, int offset)
        {
            return new ModelLoadResult(status, field, offset, null);
        }

        internal static uint U32(byte[] b, int at)
        {
            return (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));
        }

        internal static int I32(byte[] b, int at)
        {
            return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24);
        }

        internal static int U16(byte[] b, int at)
        {
            return b[at] | (b[at + 1] << 8);
        }
    }
}
