using RmmEdge.Rig;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Compile;

/// <summary>What the compiler reports for a model (printed by `rmm compile`, stored beside the file).</summary>
/// <param name="WeightBits">8 or 16.</param>
/// <param name="Parameters">Trainable parameters of the float model.</param>
/// <param name="Bytes">Size of the .rmmq file.</param>
/// <param name="MacsPerStep">Integer multiply–accumulates per step in the MLPs.</param>
/// <param name="StateCount">Filter-bank states.</param>
/// <param name="ArenaBytes">Working memory the kernel allocates.</param>
/// <param name="IntegerOpsPerStep">MACs plus filter updates, normalisations, requantisations and table look-ups.</param>
public sealed record CompileSummary(int WeightBits, int Parameters, int Bytes, int MacsPerStep, int StateCount, int ArenaBytes, int IntegerOpsPerStep)
{
    public override string ToString() =>
        $"{WeightBits}-bit weights: {Parameters} parameters, {Bytes} bytes, {MacsPerStep} MACs and ≈{IntegerOpsPerStep} integer operations per step, " +
        $"{StateCount} filter states, {ArenaBytes} bytes of working memory";
}

/// <summary>
/// The compiler: float <see cref="Network"/> → .rmmq (the offline setup phase, TF3: every multiplier,
/// shift, table and coefficient the device needs is computed here, so the device does no float math).
/// Weights get a symmetric per-output-channel scale (int8: ±127, int16: ±32767); biases are folded into
/// the int64 accumulator; each output channel gets a 15-bit multiplier and a right shift that bring the
/// accumulator to the next stage's format (Q4.11 table input for hidden layers — halved for sigmoid —,
/// Q15.16 nA for a lumped current, Q15.16 units for a gating factor). Filter poles and gains become
/// Q1.30; voltages and states Q15.16; dt/c and g_L Q7.24.
/// </summary>
public static class Quantizer
{
    public static byte[] Compile(Network network, int weightBits, out CompileSummary summary)
    {
        if (weightBits != 8 && weightBits != 16)
        {
            throw new UserError($"weight precision must be 8 or 16 bits, was {weightBits}");
        }

        if (network.NeuronCount > RmmqFormat.MaxNeurons)
        {
            throw new UserError($"the model has {network.NeuronCount} neurons; the .rmmq format holds at most {RmmqFormat.MaxNeurons}");
        }

        network.RefreshEffective();
        var writer = new SectionWriter();
        Current[] currents = network.Currents.ToArray();
        var layers = new List<(DenseLayer Layer, int WeightIndex, int ParamIndex)>();
        var weights = new List<short>();
        var parameters = new List<(long Bias, int Multiplier, int Shift)>();
        var norms = new List<(int Center, int Multiplier, int Shift)>();
        var banks = new List<(int Lambda, int Gain)>();
        var currentRecords = new List<byte[]>();
        int qMax = weightBits == 8 ? 127 : 32767;

        foreach (Current c in currents)
        {
            int normIndex = norms.Count, bankIndex = banks.Count;
            InputNormalizer normalizer = c.Normalizer;

            int voltageInputs = c is LumpedCurrent { Spec.UsesPostVoltage: true } ? 1 : 0;
            for (int i = 0; i < normalizer.Center.Length; i++)
            {
                // z_q (Q0.15) = (x_q − c_q) · scale · 2^15 / 2^bits, x in Q15.16 (mV) or, for the states
                // of a bank driven by spike activity, Q1.30 (StepKernel.BankDrive).
                int bits = i >= voltageInputs && c.Spec.Input == BankInput.SpikeActivity ? FixedPoint.ActivityBits : FixedPoint.VoltageBits;
                (int m, int s) = Multiplier(normalizer.Scale[i] * (1 << FixedPoint.UnitBits) / Math.Pow(2, bits), $"{c.QualifiedName} input {i} normalisation");
                norms.Add((Q(normalizer.Center[i], bits), m, s));
            }

            ReadOnlySpan<float> poles = c.Bank.Poles;
            for (int i = 0; i < c.Bank.Size; i++)
            {
                double lambda = poles[i];
                double gain = c.Bank.Spec.Kind == FilterKind.Diagonal ? 1 - lambda : Math.Sqrt(1 - lambda * lambda);
                banks.Add((Q(lambda, FixedPoint.CoefficientBits), Q(gain, FixedPoint.CoefficientBits)));
            }

            // Output formats: ψ in Q15.16 nA for a lumped current (2·s per unit), a gating factor in Q15.16 (2 per unit).
            (int firstA, int countA) = AddMlp(c.Mlps[0], c is LumpedCurrent lc ? 2.0 * lc.OutputScale : 2.0,
                layers, weights, parameters, qMax, c.QualifiedName);
            (int firstB, int countB) = c.Mlps.Count > 1
                ? AddMlp(c.Mlps[1], 2.0, layers, weights, parameters, qMax, c.QualifiedName + ".inact")
                : (0, 0);

            var record = new byte[RmmqFormat.CurrentRecordSize];
            record[0] = (byte)c.Owner;
            record[1] = (byte)c.Source;
            record[2] = (byte)(c is GatingCurrent ? CurrentKindCode.Gating : CurrentKindCode.Lumped);
            record[3] = (byte)(c.Bank.Spec.Kind == FilterKind.Diagonal ? BankKindCode.Diagonal : BankKindCode.Orthonormal);
            BitConverter.TryWriteBytes(record.AsSpan(4), (ushort)c.Bank.Size);
            record[6] = (byte)voltageInputs;
            BitConverter.TryWriteBytes(record.AsSpan(8), (ushort)firstA);
            record[10] = (byte)countA;
            BitConverter.TryWriteBytes(record.AsSpan(12), (ushort)firstB);
            record[14] = (byte)countB;
            BitConverter.TryWriteBytes(record.AsSpan(16), bankIndex);
            BitConverter.TryWriteBytes(record.AsSpan(20), normIndex);
            if (c is GatingCurrent gate)
            {
                BitConverter.TryWriteBytes(record.AsSpan(24), Q(gate.G, 16));
                BitConverter.TryWriteBytes(record.AsSpan(28), Q(gate.E, FixedPoint.VoltageBits));
            }

            if (c.Spec.Input == BankInput.SpikeActivity)
            {
                // Format version 2: the bank sees σ((v − θ)/slope); the kernel feeds (v − θ)/(2·slope) in
                // Q4.11 to the table sigmoid, so the factor from Q16 mV is 2^11 / (2·slope·2^16).
                (int m, int sh) = Multiplier((1 << FixedPoint.TableInputBits) / (2.0 * c.Spec.ActivitySlopeMv * (1 << FixedPoint.VoltageBits)),
                    $"{c.QualifiedName} spike activity");
                record[7] = (byte)BankInputCode.SpikeActivity;
                BitConverter.TryWriteBytes(record.AsSpan(32), Q(c.Spec.ActivityThresholdMv, FixedPoint.VoltageBits));
                BitConverter.TryWriteBytes(record.AsSpan(36), (ushort)m);
                record[38] = (byte)sh;
            }

            currentRecords.Add(record);
        }

        var neuronRecords = new List<byte[]>();
        for (int i = 0; i < network.NeuronCount; i++)
        {
            var record = new byte[RmmqFormat.NeuronRecordSize];
            NeuronModel? model = network.Models.FirstOrDefault(m => m.Index == i);
            record[0] = (byte)(model is null ? 1 : 0);
            if (model is not null)
            {
                double stepGain = network.DtMs * model.InverseCapacitance;
                double leak = model.LeakConductance;
                if (stepGain * (1 << FixedPoint.GainBits) > FixedPoint.GainMax || leak * (1 << FixedPoint.GainBits) > FixedPoint.GainMax)
                {
                    throw new UserError($"{network.Spec.Neurons[i].Name}: dt/c = {stepGain:G3} mV/nA or g_L = {leak:G3} µS exceeds the format's 16");
                }

                BitConverter.TryWriteBytes(record.AsSpan(4), Q(stepGain, FixedPoint.GainBits));
                BitConverter.TryWriteBytes(record.AsSpan(8), Q(leak, FixedPoint.GainBits));
                BitConverter.TryWriteBytes(record.AsSpan(12), Q(model.LeakReversalMv, FixedPoint.VoltageBits));
            }

            BitConverter.TryWriteBytes(record.AsSpan(16), Q(NetworkRunner.VoltageFloor, FixedPoint.VoltageBits));
            BitConverter.TryWriteBytes(record.AsSpan(20), Q(NetworkRunner.VoltageCeiling, FixedPoint.VoltageBits));
            neuronRecords.Add(record);
        }

        writer.Add(SectionId.Neurons, neuronRecords.SelectMany(r => r).ToArray());
        writer.Add(SectionId.Currents, currentRecords.SelectMany(r => r).ToArray());
        writer.Add(SectionId.Banks, banks.SelectMany(b => Bytes(b.Lambda).Concat(Bytes(b.Gain))).ToArray());
        writer.Add(SectionId.Normalization, norms.SelectMany(n => Bytes(n.Center).Concat(Bytes((ushort)n.Multiplier)).Concat([(byte)n.Shift, (byte)0])).ToArray());
        writer.Add(SectionId.Layers, layers.SelectMany(l =>
            Bytes((ushort)l.Layer.In).Concat(Bytes((ushort)l.Layer.Out))
                .Concat([(byte)ActivationCodeOf(l.Layer.Activation), (byte)0, (byte)0, (byte)0])
                .Concat(Bytes(l.WeightIndex)).Concat(Bytes(l.ParamIndex))).ToArray());
        writer.Add(SectionId.Weights, weightBits == 8
            ? weights.Select(w => (byte)(sbyte)w).ToArray()
            : weights.SelectMany(w => Bytes((ushort)w)).ToArray());
        writer.Add(SectionId.LayerParams, parameters.SelectMany(p => BitConverter.GetBytes(p.Bias).Concat(Bytes((ushort)p.Multiplier)).Concat([(byte)p.Shift, (byte)0])).ToArray());
        writer.Add(SectionId.ActivationTable, BuildTable().SelectMany(t => Bytes((ushort)t)).ToArray());

        int macs = layers.Sum(l => l.Layer.In * l.Layer.Out);
        int states = banks.Count;
        int maxWidth = Math.Max(1, layers.Count == 0 ? 1 : layers.Max(l => Math.Max(l.Layer.In, l.Layer.Out)));
        int arena = 4 * (3 * network.NeuronCount + states + currents.Length + 3 * maxWidth);
        var header = new byte[RmmqFormat.HeaderSize];
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetMagic), RmmqFormat.Magic);
        // The oldest version that holds the model, so boards with older firmware still take what they can run.
        bool needsVersion2 = currents.Any(c => c.Spec.Input != BankInput.Voltage);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetVersion), needsVersion2 ? RmmqFormat.Version : RmmqFormat.OldestVersion);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetHeaderSize), (ushort)RmmqFormat.HeaderSize);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetDtNs), (int)Math.Round(network.DtMs * 1e6));
        header[RmmqFormat.OffsetNeuronCount] = (byte)network.NeuronCount;
        header[RmmqFormat.OffsetCurrentCount] = (byte)currents.Length;
        header[RmmqFormat.OffsetWeightBits] = (byte)weightBits;
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetLayerCount), (ushort)layers.Count);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetStateCount), (ushort)states);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetArenaBytes), arena);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetMacsPerStep), macs);
        BitConverter.TryWriteBytes(header.AsSpan(RmmqFormat.OffsetParameterCount), network.ParameterCount);
        byte[] file = writer.Assemble(header);

        int normalisations = norms.Count, outputs = parameters.Count;
        summary = new CompileSummary(weightBits, network.ParameterCount, file.Length, macs, states, arena,
            macs + 3 * states + 2 * normalisations + 3 * outputs + 8 * network.NeuronCount);
        return file;
    }

    /// <summary>Adds an MLP's layers; returns (first layer index, layer count).</summary>
    private static (int First, int Count) AddMlp(Mlp mlp, double outputFactorPerUnit,
        List<(DenseLayer Layer, int WeightIndex, int ParamIndex)> layers,
        List<short> weights, List<(long Bias, int Multiplier, int Shift)> parameters, int qMax, string name)
    {
        int first = layers.Count;
        foreach (DenseLayer layer in mlp.Layers)
        {
            int weightIndex = weights.Count, paramIndex = parameters.Count;
            bool isOutput = layer == mlp.Layers[^1];
            for (int j = 0; j < layer.Out; j++)
            {
                ReadOnlySpan<float> row = layer.Effective.AsSpan(j * layer.In, layer.In);
                double maxAbs = 0;
                foreach (float w in row) { maxAbs = Math.Max(maxAbs, Math.Abs(w)); }
                // Real weight per integer step. A row whose weights all but vanished (a unit that became a
                // constant in training) still needs its bias representable in the accumulator: its
                // step is made coarse enough for that; its weights round to zero as they should.
                double bias0 = layer.Bias is null ? 0 : Math.Abs(layer.Bias.Value[j]);
                double scale = Math.Max(Math.Max(maxAbs, 1e-12) / qMax, bias0 * (1 << FixedPoint.UnitBits) / (FixedPoint.BiasMax / 2.0));
                foreach (float w in row) { weights.Add((short)Math.Clamp(Math.Round(w / scale), -qMax, qMax)); }

                // acc (Σ w_q z_q, z in Q0.15) represents y·2^15/scale; bring it to the next format.
                double unitsPerAcc = scale / (1 << FixedPoint.UnitBits);
                double factor = isOutput
                    ? unitsPerAcc * outputFactorPerUnit * (1 << 15)
                    : unitsPerAcc * (1 << FixedPoint.TableInputBits) * (layer.Activation == Activation.Sigmoid ? 0.5 : 1.0);
                double bias = layer.Bias is null ? 0 : layer.Bias.Value[j] / unitsPerAcc;
                if (Math.Abs(bias) > FixedPoint.BiasMax)
                {
                    throw new UserError($"{name}: the bias of row {j} ({layer.Bias!.Value[j]:G3}) cannot be represented in the accumulator");
                }

                (int m, int s) = Multiplier(factor, $"{name} layer {layers.Count - first} output {j}");
                parameters.Add(((long)Math.Round(bias), m, s));
            }

            layers.Add((layer, weightIndex, paramIndex));
        }

        return (first, mlp.Layers.Length);
    }

    /// <summary>factor = multiplier · 2^−shift with multiplier in [2^14, 2^15 − 1] and 0 ≤ shift ≤ 62.</summary>
    public static (int Multiplier, int Shift) Multiplier(double factor, string what)
    {
        if (!(factor > 0) || double.IsInfinity(factor))
        {
            throw new UserError($"{what}: scale factor {factor} cannot be represented");
        }

        int shift = 14 - (int)Math.Floor(Math.Log2(factor));
        long m = (long)Math.Round(factor * Math.Pow(2, shift));
        if (m > FixedPoint.MultiplierMax)
        {
            m = (m + 1) / 2;
            shift--;
        }

        if (shift < 0 || shift > FixedPoint.ShiftMax)
        {
            throw new UserError($"{what}: scale factor {factor:G3} is outside what a 15-bit multiplier and a right shift of 0..62 can represent");
        }

        return ((int)m, shift);
    }

    /// <summary>tanh at the table's knots, Q0.15, clamped to ±32767.</summary>
    public static short[] BuildTable()
    {
        var table = new short[ActivationTable.Entries];
        for (int i = 0; i < table.Length; i++)
        {
            double x = -8.0 + 16.0 * i / ActivationTable.Segments;
            table[i] = (short)Math.Clamp(Math.Round(Math.Tanh(x) * 32768), -FixedPoint.UnitMax, FixedPoint.UnitMax);
        }

        return table;
    }

    /// <summary>Round to a signed fixed-point integer with <paramref name="bits"/> fractional bits, saturating.</summary>
    public static int Q(double value, int bits) => (int)Math.Clamp(Math.Round(value * Math.Pow(2, bits)), int.MinValue, int.MaxValue);

    private static ActivationCode ActivationCodeOf(Activation a) => a switch
    {
        Activation.Tanh => ActivationCode.Tanh,
        Activation.Sigmoid => ActivationCode.Sigmoid,
        _ => ActivationCode.Identity,
    };

    private static byte[] Bytes(int v) => BitConverter.GetBytes(v);

    private static byte[] Bytes(ushort v) => BitConverter.GetBytes(v);

    /// <summary>Collects sections and lays out header, directory and data, then fills size and CRC.</summary>
    private sealed class SectionWriter
    {
        private readonly List<(SectionId Id, byte[] Data)> _sections = [];

        public void Add(SectionId id, byte[] data) => _sections.Add((id, data));

        public byte[] Assemble(byte[] header)
        {
            int directoryEnd = RmmqFormat.HeaderSize + _sections.Count * RmmqFormat.DirectoryEntrySize;
            int size = directoryEnd + _sections.Sum(s => (s.Data.Length + 3) & ~3);
            var file = new byte[size];
            header.CopyTo(file, 0);
            file[RmmqFormat.OffsetSectionCount] = (byte)_sections.Count;
            int at = directoryEnd;
            for (int i = 0; i < _sections.Count; i++)
            {
                int entry = RmmqFormat.HeaderSize + i * RmmqFormat.DirectoryEntrySize;
                BitConverter.TryWriteBytes(file.AsSpan(entry), (ushort)_sections[i].Id);
                BitConverter.TryWriteBytes(file.AsSpan(entry + 4), at);
                BitConverter.TryWriteBytes(file.AsSpan(entry + 8), _sections[i].Data.Length);
                _sections[i].Data.CopyTo(file, at);
                at += (_sections[i].Data.Length + 3) & ~3;   // 4-byte alignment, zero padding
            }

            BitConverter.TryWriteBytes(file.AsSpan(RmmqFormat.OffsetFileSize), size);
            BitConverter.TryWriteBytes(file.AsSpan(RmmqFormat.OffsetCrc), RmmqReader.ComputeCrc(file));
            return file;
        }
    }
}
