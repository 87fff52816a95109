using RmmEdge.SharedModel.Kernel;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// The section readers of <see cref="RmmqReader"/>: each reads one section's records into the model
    /// and checks every value and index in them (against the counts the header gave and the sections
    /// read before it), returning a rejection with the field and byte offset, or null.
    /// </summary>
    internal static class RmmqSectionReader
    {
        internal static ModelLoadResult ReadNeurons(byte[] f, int at, RmmqModel m)
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
                int r = at + i * RmmqLayout.NeuronRecordSize;
                int external = f[r + RmmqLayout.NeuronExternal];
                if (external > 1 || f[r + RmmqLayout.NeuronExternal + 1] != 0 || f[r + RmmqLayout.NeuronExternal + 2] != 0 || f[r + RmmqLayout.NeuronExternal + 3] != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "neuron.external", r + RmmqLayout.NeuronExternal);
                }

                m.External[i] = external == 1;
                m.StepGain[i] = Bytes.GetI32(f, r + RmmqLayout.NeuronStepGain);
                m.LeakConductance[i] = Bytes.GetI32(f, r + RmmqLayout.NeuronLeakConductance);
                m.LeakReversal[i] = Bytes.GetI32(f, r + RmmqLayout.NeuronLeakReversal);
                m.VoltageMin[i] = Bytes.GetI32(f, r + RmmqLayout.NeuronVoltageMin);
                m.VoltageMax[i] = Bytes.GetI32(f, r + RmmqLayout.NeuronVoltageMax);
                if (m.StepGain[i] < 0 || m.StepGain[i] > FixedPoint.GainMax || m.LeakConductance[i] < 0 || m.LeakConductance[i] > FixedPoint.GainMax)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "neuron.gain", r + RmmqLayout.NeuronStepGain);
                }

                if (m.VoltageMin[i] >= m.VoltageMax[i])
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "neuron.voltage_range", r + RmmqLayout.NeuronVoltageMin);
                }
            }

            return null;
        }

        internal static ModelLoadResult ReadLayers(byte[] f, int[] offset, int[] length, RmmqModel m)
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
            int totalParams = length[(int)SectionId.LayerParams] / RmmqLayout.ParamEntrySize;
            if (totalWeights * weightBytes != length[(int)SectionId.Weights])
            {
                return RmmqReader.Fail(ModelStatus.BadSectionLength, "weights", offset[(int)SectionId.Weights]);
            }

            if (totalParams * RmmqLayout.ParamEntrySize != length[(int)SectionId.LayerParams])
            {
                return RmmqReader.Fail(ModelStatus.BadSectionLength, "layer_params", offset[(int)SectionId.LayerParams]);
            }

            int maxWidth = 1;
            long macs = 0;
            for (int i = 0; i < l; i++)
            {
                int r = at + i * RmmqLayout.LayerRecordSize;
                int inSize = Bytes.GetU16(f, r + RmmqLayout.LayerIn);
                int outSize = Bytes.GetU16(f, r + RmmqLayout.LayerOut);
                int activation = f[r + RmmqLayout.LayerActivation];
                uint weightIndex = Bytes.GetU32(f, r + RmmqLayout.LayerWeightIndex);
                uint paramIndex = Bytes.GetU32(f, r + RmmqLayout.LayerParamIndex);
                if (inSize < 1 || inSize > RmmqFormat.MaxLayerInputs || outSize < 1 || outSize > RmmqFormat.MaxLayerInputs)
                {
                    return RmmqReader.Fail(ModelStatus.BadCount, "layer.size", r + RmmqLayout.LayerIn);
                }

                if (activation > (int)ActivationCode.Sigmoid || f[r + RmmqLayout.LayerPad] != 0 || Bytes.GetU16(f, r + RmmqLayout.LayerPad + 1) != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "layer.activation", r + RmmqLayout.LayerActivation);
                }

                if (weightIndex > (uint)totalWeights || (long)inSize * outSize > totalWeights - (long)weightIndex)
                {
                    return RmmqReader.Fail(ModelStatus.BadIndex, "layer.weight_index", r + RmmqLayout.LayerWeightIndex);
                }

                if (paramIndex > (uint)totalParams || outSize > totalParams - (long)paramIndex)
                {
                    return RmmqReader.Fail(ModelStatus.BadIndex, "layer.param_index", r + RmmqLayout.LayerParamIndex);
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
                return RmmqReader.Fail(ModelStatus.BadValue, "macs_per_step", RmmqLayout.OffsetMacsPerStep);
            }

            int w = offset[(int)SectionId.Weights];
            m.Weights = new short[totalWeights];
            for (int i = 0; i < totalWeights; i++)
            {
                m.Weights[i] = weightBytes == 1 ? (short)(sbyte)f[w + i] : (short)Bytes.GetU16(f, w + weightBytes * i);
                if (m.Weights[i] == short.MinValue && weightBytes == 2)
                {
                    // Symmetric int16 weights: the C kernel adds two products in 32 bits, which −32768 × −32768 twice would overflow.
                    return RmmqReader.Fail(ModelStatus.BadValue, "weights", w + weightBytes * i);
                }
            }

            int p = offset[(int)SectionId.LayerParams];
            m.Bias = new long[totalParams];
            m.Multiplier = new int[totalParams];
            m.Shift = new int[totalParams];
            for (int i = 0; i < totalParams; i++)
            {
                int r = p + i * RmmqLayout.ParamEntrySize;
                m.Bias[i] = (long)Bytes.GetU32(f, r + RmmqLayout.ParamBias) | ((long)Bytes.GetI32(f, r + RmmqLayout.ParamBias + 4) << 32);
                m.Multiplier[i] = Bytes.GetU16(f, r + RmmqLayout.ParamMultiplier);
                m.Shift[i] = f[r + RmmqLayout.ParamShift];
                if (m.Bias[i] > FixedPoint.BiasMax || m.Bias[i] < -FixedPoint.BiasMax)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "layer.bias", r + RmmqLayout.ParamBias);
                }

                if (m.Multiplier[i] < FixedPoint.MultiplierMin || m.Multiplier[i] > FixedPoint.MultiplierMax)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "layer.multiplier", r + RmmqLayout.ParamMultiplier);
                }

                if (m.Shift[i] > FixedPoint.ShiftMax || f[r + RmmqLayout.ParamPad] != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "layer.shift", r + RmmqLayout.ParamShift);
                }
            }

            return null;
        }

        internal static ModelLoadResult ReadCurrents(byte[] f, int[] offset, int[] length, RmmqModel m)
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
            int normEntries = length[(int)SectionId.Normalization] / RmmqLayout.NormEntrySize;
            if (normEntries * RmmqLayout.NormEntrySize != length[(int)SectionId.Normalization])
            {
                return RmmqReader.Fail(ModelStatus.BadSectionLength, "normalization", offset[(int)SectionId.Normalization]);
            }

            int states = 0;
            for (int i = 0; i < c; i++)
            {
                int r = at + i * RmmqLayout.CurrentRecordSize;
                int owner = f[r + RmmqLayout.CurrentOwner], source = f[r + RmmqLayout.CurrentSource];
                int kind = f[r + RmmqLayout.CurrentKind], bankKind = f[r + RmmqLayout.CurrentBankKind];
                int bankSize = Bytes.GetU16(f, r + RmmqLayout.CurrentBankSize), usesV = f[r + RmmqLayout.CurrentUsesVoltage], bankInput = f[r + RmmqLayout.CurrentBankInput];
                int firstA = Bytes.GetU16(f, r + RmmqLayout.CurrentFirstLayerA), layersA = f[r + RmmqLayout.CurrentLayersA];
                int firstB = Bytes.GetU16(f, r + RmmqLayout.CurrentFirstLayerB), layersB = f[r + RmmqLayout.CurrentLayersB];
                uint bankIndex = Bytes.GetU32(f, r + RmmqLayout.CurrentBankIndex), normIndex = Bytes.GetU32(f, r + RmmqLayout.CurrentNormIndex);
                if (owner >= m.NeuronCount || source >= m.NeuronCount)
                {
                    return RmmqReader.Fail(ModelStatus.BadIndex, "current.neuron", r + RmmqLayout.CurrentOwner);
                }

                // Version 1 has no bank inputs: byte 7 and bytes 32–39 are reserved (zero) there.
                int maxInput = m.Version >= 2 ? (int)BankInputCode.SpikeActivity : (int)BankInputCode.Voltage;
                if (kind > (int)CurrentKindCode.Gating || bankKind > (int)BankKindCode.Orthonormal || usesV > 1
                    || bankInput > maxInput || f[r + RmmqLayout.CurrentPadA] != 0 || f[r + RmmqLayout.CurrentPadB] != 0
                    || (bankInput == (int)BankInputCode.Voltage && (Bytes.GetI32(f, r + RmmqLayout.CurrentActivityCenter) != 0 || Bytes.GetI32(f, r + RmmqLayout.CurrentActivityMultiplier) != 0)))
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "current.kind", r + RmmqLayout.CurrentKind);
                }

                int activityMultiplier = Bytes.GetU16(f, r + RmmqLayout.CurrentActivityMultiplier), activityShift = f[r + RmmqLayout.CurrentActivityShift];
                if (bankInput == (int)BankInputCode.SpikeActivity
                    && (activityMultiplier < FixedPoint.MultiplierMin || activityMultiplier > FixedPoint.MultiplierMax
                        || activityShift > FixedPoint.ShiftMax || f[r + RmmqLayout.CurrentActivityPad] != 0))
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "current.activity", r + RmmqLayout.CurrentActivityMultiplier);
                }

                if (kind == (int)CurrentKindCode.Gating && usesV != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "current.uses_voltage", r + RmmqLayout.CurrentUsesVoltage);
                }

                if (bankSize < 1 || bankSize > RmmqFormat.MaxBankSize)
                {
                    return RmmqReader.Fail(ModelStatus.BadCount, "current.bank_size", r + RmmqLayout.CurrentBankSize);
                }

                if (bankIndex != (uint)states || bankSize > m.StateCount - states)
                {
                    return RmmqReader.Fail(ModelStatus.BadIndex, "current.bank_index", r + RmmqLayout.CurrentBankIndex);
                }

                int inputs = bankSize + usesV;
                if (normIndex > (uint)normEntries || inputs > normEntries - (long)normIndex)
                {
                    return RmmqReader.Fail(ModelStatus.BadIndex, "current.norm_index", r + RmmqLayout.CurrentNormIndex);
                }

                ModelLoadResult chain = CheckChain(m, firstA, layersA, inputs, r + RmmqLayout.CurrentFirstLayerA);
                if (chain != null) { return chain; }
                if (kind == (int)CurrentKindCode.Gating && layersB > 0)
                {
                    chain = CheckChain(m, firstB, layersB, inputs, r + RmmqLayout.CurrentFirstLayerB);
                    if (chain != null) { return chain; }
                }
                else if (layersB != 0 || firstB != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadLayerChain, "current.layers_b", r + RmmqLayout.CurrentFirstLayerB);
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
                m.Conductance[i] = Bytes.GetI32(f, r + RmmqLayout.CurrentConductance);
                m.Reversal[i] = Bytes.GetI32(f, r + RmmqLayout.CurrentReversal);
                m.BankInput[i] = bankInput;
                m.ActivityCenter[i] = Bytes.GetI32(f, r + RmmqLayout.CurrentActivityCenter);
                m.ActivityMultiplier[i] = activityMultiplier;
                m.ActivityShift[i] = activityShift;
                if (m.Conductance[i] < 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "current.conductance", r + RmmqLayout.CurrentConductance);
                }

                states += bankSize;
            }

            if (states != m.StateCount)
            {
                return RmmqReader.Fail(ModelStatus.BadCount, "state_count", RmmqLayout.OffsetStateCount);
            }

            int n = offset[(int)SectionId.Normalization];
            m.NormCenter = new int[normEntries];
            m.NormMultiplier = new int[normEntries];
            m.NormShift = new int[normEntries];
            for (int i = 0; i < normEntries; i++)
            {
                int r = n + i * RmmqLayout.NormEntrySize;
                m.NormCenter[i] = Bytes.GetI32(f, r + RmmqLayout.NormCenter);
                m.NormMultiplier[i] = Bytes.GetU16(f, r + RmmqLayout.NormMultiplier);
                m.NormShift[i] = f[r + RmmqLayout.NormShift];
                if (m.NormMultiplier[i] < FixedPoint.MultiplierMin || m.NormMultiplier[i] > FixedPoint.MultiplierMax
                    || m.NormShift[i] > FixedPoint.ShiftMax || f[r + RmmqLayout.NormPad] != 0)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "normalization.multiplier", r + RmmqLayout.NormMultiplier);
                }
            }

            return null;
        }

        /// <summary>Layers first..first+count−1 exist, the first takes <paramref name="inputs"/>, sizes chain, the last has one output.</summary>
        private static ModelLoadResult CheckChain(RmmqModel m, int first, int count, int inputs, int at)
        {
            if (count < 1 || first >= m.LayerCount || count > m.LayerCount - first)
            {
                return RmmqReader.Fail(ModelStatus.BadIndex, "current.layers", at);
            }

            int width = inputs;
            for (int l = first; l < first + count; l++)
            {
                if (m.LayerIn[l] != width)
                {
                    return RmmqReader.Fail(ModelStatus.BadLayerChain, "layer.in", at);
                }

                bool last = l == first + count - 1;
                if (last != (m.LayerActivation[l] == (int)ActivationCode.Identity))
                {
                    return RmmqReader.Fail(ModelStatus.BadLayerChain, "layer.activation", at);
                }

                width = m.LayerOut[l];
            }

            return width == 1 ? null : RmmqReader.Fail(ModelStatus.BadLayerChain, "layer.out", at);
        }

        internal static ModelLoadResult ReadBanks(byte[] f, int at, RmmqModel m)
        {
            m.Lambda = new int[m.StateCount];
            m.BankGain = new int[m.StateCount];
            int one = 1 << FixedPoint.CoefficientBits;
            for (int i = 0; i < m.StateCount; i++)
            {
                int r = at + i * RmmqLayout.BankEntrySize;
                m.Lambda[i] = Bytes.GetI32(f, r + RmmqLayout.BankLambda);
                m.BankGain[i] = Bytes.GetI32(f, r + RmmqLayout.BankGain);
                if (m.Lambda[i] < 0 || m.Lambda[i] >= one || m.BankGain[i] < 0 || m.BankGain[i] > one)
                {
                    return RmmqReader.Fail(ModelStatus.BadValue, "bank.coefficient", r + RmmqLayout.BankLambda);
                }
            }

            return null;
        }

        internal static ModelLoadResult ReadTable(byte[] f, int at, RmmqModel m)
        {
            m.Table = new short[ActivationTable.Entries];
            for (int i = 0; i < ActivationTable.Entries; i++)
            {
                m.Table[i] = (short)Bytes.GetU16(f, at + RmmqLayout.TableEntrySize * i);
                if (m.Table[i] < -FixedPoint.UnitMax || (i > 0 && m.Table[i] < m.Table[i - 1]))
                {
                    return RmmqReader.Fail(ModelStatus.BadTable, "activation_table", at + RmmqLayout.TableEntrySize * i);
                }
            }

            return null;
        }
    }
}
