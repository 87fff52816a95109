using System;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.SharedModel.Format
{
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
            if (file == null || file.Length < RmmqLayout.HeaderSize)
            {
                return Fail(ModelStatus.TooShort, "header", 0);
            }

            if (Bytes.GetU32(file, RmmqLayout.OffsetMagic) != RmmqFormat.Magic)
            {
                return Fail(ModelStatus.BadMagic, "magic", RmmqLayout.OffsetMagic);
            }

            int version = Bytes.GetU16(file, RmmqLayout.OffsetVersion);
            if (version < RmmqFormat.OldestVersion || version > RmmqFormat.Version)
            {
                return Fail(ModelStatus.UnsupportedVersion, "version", RmmqLayout.OffsetVersion);
            }

            if (Bytes.GetU16(file, RmmqLayout.OffsetHeaderSize) != RmmqLayout.HeaderSize)
            {
                return Fail(ModelStatus.BadHeader, "header_size", RmmqLayout.OffsetHeaderSize);
            }

            if (Bytes.GetU32(file, RmmqLayout.OffsetFileSize) != (uint)file.Length)
            {
                return Fail(ModelStatus.SizeMismatch, "file_size", RmmqLayout.OffsetFileSize);
            }

            if (ComputeCrc(file) != Bytes.GetU32(file, RmmqLayout.OffsetCrc))
            {
                return Fail(ModelStatus.BadCrc, "crc32", RmmqLayout.OffsetCrc);
            }

            var m = new RmmqModel();
            m.Version = version;
            m.DtNs = Bytes.GetI32(file, RmmqLayout.OffsetDtNs);
            m.NeuronCount = file[RmmqLayout.OffsetNeuronCount];
            m.CurrentCount = file[RmmqLayout.OffsetCurrentCount];
            m.WeightBits = file[RmmqLayout.OffsetWeightBits];
            int sectionCount = file[RmmqLayout.OffsetSectionCount];
            m.LayerCount = Bytes.GetU16(file, RmmqLayout.OffsetLayerCount);
            m.StateCount = Bytes.GetU16(file, RmmqLayout.OffsetStateCount);
            m.ArenaBytes = Bytes.GetI32(file, RmmqLayout.OffsetArenaBytes);
            m.MacsPerStep = Bytes.GetI32(file, RmmqLayout.OffsetMacsPerStep);
            m.ParameterCount = Bytes.GetI32(file, RmmqLayout.OffsetParameterCount);
            if (m.DtNs <= 0)
            {
                return Fail(ModelStatus.BadValue, "dt_ns", RmmqLayout.OffsetDtNs);
            }

            if (m.NeuronCount < 1 || m.NeuronCount > RmmqFormat.MaxNeurons)
            {
                return Fail(ModelStatus.BadCount, "neuron_count", RmmqLayout.OffsetNeuronCount);
            }

            if (m.CurrentCount > RmmqFormat.MaxCurrents)
            {
                return Fail(ModelStatus.BadCount, "current_count", RmmqLayout.OffsetCurrentCount);
            }

            if (m.WeightBits != 8 && m.WeightBits != 16)
            {
                return Fail(ModelStatus.BadValue, "weight_bits", RmmqLayout.OffsetWeightBits);
            }

            if (m.LayerCount > RmmqFormat.MaxLayers || (m.CurrentCount > 0 && m.LayerCount < 1))
            {
                return Fail(ModelStatus.BadCount, "layer_count", RmmqLayout.OffsetLayerCount);
            }

            if (m.StateCount > RmmqFormat.MaxStates)
            {
                return Fail(ModelStatus.BadCount, "state_count", RmmqLayout.OffsetStateCount);
            }

            for (int r = RmmqLayout.OffsetReserved; r < RmmqLayout.HeaderSize; r++)
            {
                if (file[r] != 0)
                {
                    return Fail(ModelStatus.BadHeader, "reserved", r);
                }
            }

            // Directory: find each required section exactly once, within the file.
            int directoryEnd = RmmqLayout.HeaderSize + sectionCount * RmmqLayout.DirectoryEntrySize;
            if (sectionCount < 1 || directoryEnd > file.Length)
            {
                return Fail(ModelStatus.BadDirectory, "section_count", RmmqLayout.OffsetSectionCount);
            }

            int[] sectionOffset = new int[9];
            int[] sectionLength = new int[9];
            for (int s = 0; s < 9; s++)
            {
                sectionOffset[s] = -1;
            }

            for (int e = 0; e < sectionCount; e++)
            {
                int at = RmmqLayout.HeaderSize + e * RmmqLayout.DirectoryEntrySize;
                int id = Bytes.GetU16(file, at + RmmqLayout.EntryId);
                int flags = Bytes.GetU16(file, at + RmmqLayout.EntryFlags);
                uint offset = Bytes.GetU32(file, at + RmmqLayout.EntryOffset);
                uint length = Bytes.GetU32(file, at + RmmqLayout.EntryLength);
                if (offset < (uint)directoryEnd || offset > (uint)file.Length || length > (uint)file.Length - offset || offset % RmmqLayout.SectionAlignment != 0)
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
                    return Fail(ModelStatus.MissingSection, SectionName(s), RmmqLayout.HeaderSize);
                }
            }

            ModelLoadResult bad = CheckLength(sectionLength, SectionId.Neurons, m.NeuronCount * RmmqLayout.NeuronRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Currents, m.CurrentCount * RmmqLayout.CurrentRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Layers, m.LayerCount * RmmqLayout.LayerRecordSize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.Banks, m.StateCount * RmmqLayout.BankEntrySize, sectionOffset);
            if (bad != null) { return bad; }
            bad = CheckLength(sectionLength, SectionId.ActivationTable, ActivationTable.Entries * RmmqLayout.TableEntrySize, sectionOffset);
            if (bad != null) { return bad; }

            bad = RmmqSectionReader.ReadNeurons(file, sectionOffset[(int)SectionId.Neurons], m);
            if (bad != null) { return bad; }
            bad = RmmqSectionReader.ReadLayers(file, sectionOffset, sectionLength, m);
            if (bad != null) { return bad; }
            bad = RmmqSectionReader.ReadCurrents(file, sectionOffset, sectionLength, m);
            if (bad != null) { return bad; }
            bad = RmmqSectionReader.ReadBanks(file, sectionOffset[(int)SectionId.Banks], m);
            if (bad != null) { return bad; }
            bad = RmmqSectionReader.ReadTable(file, sectionOffset[(int)SectionId.ActivationTable], m);
            if (bad != null) { return bad; }

            int arena = RequiredArenaBytes(m);
            if (m.ArenaBytes != arena)
            {
                return Fail(ModelStatus.BadValue, "arena_bytes", RmmqLayout.OffsetArenaBytes);
            }

            m.Validated = true;
            return new ModelLoadResult(ModelStatus.Ok, "", -1, m);
        }

        /// <summary>The working memory the kernel allocates for <paramref name="m"/> (<see cref="RmmqLayout.ArenaBytes"/>); the file states it and the loader checks the two agree (TF8).</summary>
        public static int RequiredArenaBytes(RmmqModel m)
        {
            return RmmqLayout.ArenaBytes(m.NeuronCount, m.StateCount, m.CurrentCount, m.MaxWidth);
        }

        /// <summary>CRC-32 of the whole file with its CRC field taken as zero.</summary>
        public static uint ComputeCrc(byte[] file)
        {
            uint register = Crc32.Update(Crc32.Initial, file, 0, RmmqLayout.OffsetCrc);
            byte[] zero = new byte[4];
            register = Crc32.Update(register, zero, 0, 4);
            register = Crc32.Update(register, file, RmmqLayout.OffsetCrc + 4, file.Length - RmmqLayout.OffsetCrc - 4);
            return Crc32.Finish(register);
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

        internal static ModelLoadResult Fail(ModelStatus status, string field, int offset)
        {
            return new ModelLoadResult(status, field, offset, null);
        }
    }
}
