using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// Writes an <see cref="RmmqModel"/> as an .rmmq file, the inverse of <see cref="RmmqReader"/>: the
    /// header, a directory of the eight sections in id order, each section at a multiple of
    /// <see cref="RmmqLayout.SectionAlignment"/> with zero padding, then the file size and CRC. It writes
    /// the numbers it is given and checks none of them; the reader validates the result, and a model runs
    /// only from what the reader returns.
    /// </summary>
    public static class RmmqWriter
    {
        private const int SectionCount = 8;

        public static byte[] Write(RmmqModel m)
        {
            int weightBytes = m.WeightBits / 8;
            int[] lengths = new int[SectionCount + 1];
            lengths[(int)SectionId.Neurons] = m.NeuronCount * RmmqLayout.NeuronRecordSize;
            lengths[(int)SectionId.Currents] = m.CurrentCount * RmmqLayout.CurrentRecordSize;
            lengths[(int)SectionId.Banks] = m.StateCount * RmmqLayout.BankEntrySize;
            lengths[(int)SectionId.Normalization] = m.NormCenter.Length * RmmqLayout.NormEntrySize;
            lengths[(int)SectionId.Layers] = m.LayerCount * RmmqLayout.LayerRecordSize;
            lengths[(int)SectionId.Weights] = m.Weights.Length * weightBytes;
            lengths[(int)SectionId.LayerParams] = m.Bias.Length * RmmqLayout.ParamEntrySize;
            lengths[(int)SectionId.ActivationTable] = m.Table.Length * RmmqLayout.TableEntrySize;

            int directoryEnd = RmmqLayout.HeaderSize + SectionCount * RmmqLayout.DirectoryEntrySize;
            int[] offsets = new int[SectionCount + 1];
            int size = directoryEnd;
            for (int id = 1; id <= SectionCount; id++)
            {
                offsets[id] = size;
                size += Aligned(lengths[id]);
            }

            byte[] f = new byte[size];
            WriteHeader(f, m, size);
            for (int id = 1; id <= SectionCount; id++)
            {
                int entry = RmmqLayout.HeaderSize + (id - 1) * RmmqLayout.DirectoryEntrySize;
                Bytes.PutU16(f, entry + RmmqLayout.EntryId, id);
                Bytes.PutU16(f, entry + RmmqLayout.EntryFlags, (int)SectionFlags.None);
                Bytes.PutU32(f, entry + RmmqLayout.EntryOffset, (uint)offsets[id]);
                Bytes.PutU32(f, entry + RmmqLayout.EntryLength, (uint)lengths[id]);
            }

            WriteNeurons(f, offsets[(int)SectionId.Neurons], m);
            WriteCurrents(f, offsets[(int)SectionId.Currents], m);
            WriteBanks(f, offsets[(int)SectionId.Banks], m);
            WriteNormalization(f, offsets[(int)SectionId.Normalization], m);
            WriteLayers(f, offsets[(int)SectionId.Layers], m);
            WriteWeights(f, offsets[(int)SectionId.Weights], m, weightBytes);
            WriteLayerParams(f, offsets[(int)SectionId.LayerParams], m);
            for (int i = 0; i < m.Table.Length; i++)
            {
                Bytes.PutU16(f, offsets[(int)SectionId.ActivationTable] + i * RmmqLayout.TableEntrySize, (ushort)m.Table[i]);
            }

            Bytes.PutU32(f, RmmqLayout.OffsetCrc, RmmqReader.ComputeCrc(f));
            return f;
        }

        private static int Aligned(int length)
        {
            int a = RmmqLayout.SectionAlignment;
            return (length + a - 1) / a * a;
        }

        private static void WriteHeader(byte[] f, RmmqModel m, int size)
        {
            Bytes.PutU32(f, RmmqLayout.OffsetMagic, RmmqFormat.Magic);
            Bytes.PutU16(f, RmmqLayout.OffsetVersion, m.Version);
            Bytes.PutU16(f, RmmqLayout.OffsetHeaderSize, RmmqLayout.HeaderSize);
            Bytes.PutU32(f, RmmqLayout.OffsetFileSize, (uint)size);
            Bytes.PutI32(f, RmmqLayout.OffsetDtNs, m.DtNs);
            f[RmmqLayout.OffsetNeuronCount] = (byte)m.NeuronCount;
            f[RmmqLayout.OffsetCurrentCount] = (byte)m.CurrentCount;
            f[RmmqLayout.OffsetWeightBits] = (byte)m.WeightBits;
            f[RmmqLayout.OffsetSectionCount] = SectionCount;
            Bytes.PutU16(f, RmmqLayout.OffsetLayerCount, m.LayerCount);
            Bytes.PutU16(f, RmmqLayout.OffsetStateCount, m.StateCount);
            Bytes.PutI32(f, RmmqLayout.OffsetArenaBytes, m.ArenaBytes);
            Bytes.PutI32(f, RmmqLayout.OffsetMacsPerStep, m.MacsPerStep);
            Bytes.PutI32(f, RmmqLayout.OffsetParameterCount, m.ParameterCount);
        }

        private static void WriteNeurons(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.NeuronCount; i++)
            {
                int r = at + i * RmmqLayout.NeuronRecordSize;
                f[r + RmmqLayout.NeuronExternal] = (byte)(m.External[i] ? 1 : 0);
                Bytes.PutI32(f, r + RmmqLayout.NeuronStepGain, m.StepGain[i]);
                Bytes.PutI32(f, r + RmmqLayout.NeuronLeakConductance, m.LeakConductance[i]);
                Bytes.PutI32(f, r + RmmqLayout.NeuronLeakReversal, m.LeakReversal[i]);
                Bytes.PutI32(f, r + RmmqLayout.NeuronVoltageMin, m.VoltageMin[i]);
                Bytes.PutI32(f, r + RmmqLayout.NeuronVoltageMax, m.VoltageMax[i]);
            }
        }

        private static void WriteCurrents(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.CurrentCount; i++)
            {
                int r = at + i * RmmqLayout.CurrentRecordSize;
                f[r + RmmqLayout.CurrentOwner] = (byte)m.Owner[i];
                f[r + RmmqLayout.CurrentSource] = (byte)m.Source[i];
                f[r + RmmqLayout.CurrentKind] = (byte)m.Kind[i];
                f[r + RmmqLayout.CurrentBankKind] = (byte)m.BankKind[i];
                Bytes.PutU16(f, r + RmmqLayout.CurrentBankSize, m.BankSize[i]);
                f[r + RmmqLayout.CurrentUsesVoltage] = (byte)(m.UsesVoltage[i] ? 1 : 0);
                f[r + RmmqLayout.CurrentBankInput] = (byte)m.BankInput[i];
                Bytes.PutU16(f, r + RmmqLayout.CurrentFirstLayerA, m.FirstLayerA[i]);
                f[r + RmmqLayout.CurrentLayersA] = (byte)m.LayersA[i];
                Bytes.PutU16(f, r + RmmqLayout.CurrentFirstLayerB, m.FirstLayerB[i]);
                f[r + RmmqLayout.CurrentLayersB] = (byte)m.LayersB[i];
                Bytes.PutU32(f, r + RmmqLayout.CurrentBankIndex, (uint)m.BankIndex[i]);
                Bytes.PutU32(f, r + RmmqLayout.CurrentNormIndex, (uint)m.NormIndex[i]);
                Bytes.PutI32(f, r + RmmqLayout.CurrentConductance, m.Conductance[i]);
                Bytes.PutI32(f, r + RmmqLayout.CurrentReversal, m.Reversal[i]);
                Bytes.PutI32(f, r + RmmqLayout.CurrentActivityCenter, m.ActivityCenter[i]);
                Bytes.PutU16(f, r + RmmqLayout.CurrentActivityMultiplier, m.ActivityMultiplier[i]);
                f[r + RmmqLayout.CurrentActivityShift] = (byte)m.ActivityShift[i];
            }
        }

        private static void WriteBanks(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.StateCount; i++)
            {
                int r = at + i * RmmqLayout.BankEntrySize;
                Bytes.PutI32(f, r + RmmqLayout.BankLambda, m.Lambda[i]);
                Bytes.PutI32(f, r + RmmqLayout.BankGain, m.BankGain[i]);
            }
        }

        private static void WriteNormalization(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.NormCenter.Length; i++)
            {
                int r = at + i * RmmqLayout.NormEntrySize;
                Bytes.PutI32(f, r + RmmqLayout.NormCenter, m.NormCenter[i]);
                Bytes.PutU16(f, r + RmmqLayout.NormMultiplier, m.NormMultiplier[i]);
                f[r + RmmqLayout.NormShift] = (byte)m.NormShift[i];
            }
        }

        private static void WriteLayers(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.LayerCount; i++)
            {
                int r = at + i * RmmqLayout.LayerRecordSize;
                Bytes.PutU16(f, r + RmmqLayout.LayerIn, m.LayerIn[i]);
                Bytes.PutU16(f, r + RmmqLayout.LayerOut, m.LayerOut[i]);
                f[r + RmmqLayout.LayerActivation] = (byte)m.LayerActivation[i];
                Bytes.PutU32(f, r + RmmqLayout.LayerWeightIndex, (uint)m.LayerWeightIndex[i]);
                Bytes.PutU32(f, r + RmmqLayout.LayerParamIndex, (uint)m.LayerParamIndex[i]);
            }
        }

        private static void WriteWeights(byte[] f, int at, RmmqModel m, int weightBytes)
        {
            for (int i = 0; i < m.Weights.Length; i++)
            {
                if (weightBytes == 1)
                {
                    f[at + i] = (byte)(sbyte)m.Weights[i];
                }
                else
                {
                    Bytes.PutU16(f, at + 2 * i, (ushort)m.Weights[i]);
                }
            }
        }

        private static void WriteLayerParams(byte[] f, int at, RmmqModel m)
        {
            for (int i = 0; i < m.Bias.Length; i++)
            {
                int r = at + i * RmmqLayout.ParamEntrySize;
                long bias = m.Bias[i];
                Bytes.PutU32(f, r + RmmqLayout.ParamBias, (uint)(bias & 0xFFFFFFFF));
                Bytes.PutI32(f, r + RmmqLayout.ParamBias + 4, (int)(bias >> 32));
                Bytes.PutU16(f, r + RmmqLayout.ParamMultiplier, m.Multiplier[i]);
                f[r + RmmqLayout.ParamShift] = (byte)m.Shift[i];
            }
        }
    }
}
