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
        Current[] currents = network.Currents.ToArray();
        var layers = new List<(DenseLayer Layer, int WeightIndex, int ParamIndex)>();
        var weights = new List<short>();
        var parameters = new List<(long Bias, int Multiplier, int Shift)>();
        var norms = new List<(int Center, int Multiplier, int Shift)>();
        var banks = new List<(int Lambda, int Gain)>();
        int qMax = weightBits == 8 ? 127 : 32767;
        int c = currents.Length;
        var model = new RmmqModel
        {
            Owner = new int[c], Source = new int[c], Kind = new int[c], BankKind = new int[c], BankSize = new int[c],
            UsesVoltage = new bool[c], BankInput = new int[c], FirstLayerA = new int[c], LayersA = new int[c],
            FirstLayerB = new int[c], LayersB = new int[c], BankIndex = new int[c], NormIndex = new int[c],
            Conductance = new int[c], Reversal = new int[c], ActivityCenter = new int[c], ActivityMultiplier = new int[c], ActivityShift = new int[c],
        };

        for (int k = 0; k < c; k++)
        {
            Current current = currents[k];
            int normIndex = norms.Count, bankIndex = banks.Count;
            InputNormalizer normalizer = current.Normalizer;

            int voltageInputs = current is LumpedCurrent { Spec.UsesPostVoltage: true } ? 1 : 0;
            for (int i = 0; i < normalizer.Center.Length; i++)
            {
                // z_q (Q0.15) = (x_q − c_q) · scale · 2^15 / 2^bits, x in Q15.16 (mV) or, for the states
                // of a bank driven by spike activity, Q1.30 (StepKernel.BankDrive).
                int bits = i >= voltageInputs && current.Spec.Input == BankInput.SpikeActivity ? FixedPoint.ActivityBits : FixedPoint.VoltageBits;
                (int m, int s) = Multiplier(normalizer.Scale[i] * (1 << FixedPoint.UnitBits) / Math.Pow(2, bits), $"{current.QualifiedName} input {i} normalisation");
                norms.Add((Q(normalizer.Center[i], bits), m, s));
            }

            ReadOnlySpan<float> poles = current.Bank.Poles;
            for (int i = 0; i < current.Bank.Size; i++)
            {
                double lambda = poles[i];
                double gain = current.Bank.Spec.Kind == FilterKind.Diagonal ? 1 - lambda : Math.Sqrt(1 - lambda * lambda);
                banks.Add((Q(lambda, FixedPoint.CoefficientBits), Q(gain, FixedPoint.CoefficientBits)));
            }

            // Output formats: ψ in Q15.16 nA for a lumped current (2·s per unit), a gating factor in Q15.16 (2 per unit).
            (int firstA, int countA) = AddMlp(current.Mlps[0], current is LumpedCurrent lc ? 2.0 * lc.OutputScale : 2.0,
                layers, weights, parameters, qMax, current.QualifiedName);
            (int firstB, int countB) = current.Mlps.Count > 1
                ? AddMlp(current.Mlps[1], 2.0, layers, weights, parameters, qMax, current.QualifiedName + ".inact")
                : (0, 0);

            model.Owner[k] = current.Owner;
            model.Source[k] = current.Source;
            model.Kind[k] = (int)(current is GatingCurrent ? CurrentKindCode.Gating : CurrentKindCode.Lumped);
            model.BankKind[k] = (int)(current.Bank.Spec.Kind == FilterKind.Diagonal ? BankKindCode.Diagonal : BankKindCode.Orthonormal);
            model.BankSize[k] = current.Bank.Size;
            model.UsesVoltage[k] = voltageInputs == 1;
            model.FirstLayerA[k] = firstA;
            model.LayersA[k] = countA;
            model.FirstLayerB[k] = firstB;
            model.LayersB[k] = countB;
            model.BankIndex[k] = bankIndex;
            model.NormIndex[k] = normIndex;
            if (current is GatingCurrent gate)
            {
                model.Conductance[k] = Q(gate.G, 16);
                model.Reversal[k] = Q(gate.E, FixedPoint.VoltageBits);
            }

            if (current.Spec.Input == BankInput.SpikeActivity)
            {
                // Format version 2: the bank sees σ((v − θ)/slope); the kernel feeds (v − θ)/(2·slope) in
                // Q4.11 to the table sigmoid, so the factor from Q16 mV is 2^11 / (2·slope·2^16).
                (int m, int sh) = Multiplier((1 << FixedPoint.TableInputBits) / (2.0 * current.Spec.ActivitySlopeMv * (1 << FixedPoint.VoltageBits)),
                    $"{current.QualifiedName} spike activity");
                model.BankInput[k] = (int)BankInputCode.SpikeActivity;
                model.ActivityCenter[k] = Q(current.Spec.ActivityThresholdMv, FixedPoint.VoltageBits);
                model.ActivityMultiplier[k] = m;
                model.ActivityShift[k] = sh;
            }
        }

        int n = network.NeuronCount;
        model.External = new bool[n];
        model.StepGain = new int[n];
        model.LeakConductance = new int[n];
        model.LeakReversal = new int[n];
        model.VoltageMin = new int[n];
        model.VoltageMax = new int[n];
        for (int i = 0; i < n; i++)
        {
            NeuronModel? neuron = network.Models.FirstOrDefault(m => m.Index == i);
            model.External[i] = neuron is null;
            if (neuron is not null)
            {
                double stepGain = network.DtMs * neuron.InverseCapacitance;
                double leak = neuron.LeakConductance;
                if (stepGain * (1 << FixedPoint.GainBits) > FixedPoint.GainMax || leak * (1 << FixedPoint.GainBits) > FixedPoint.GainMax)
                {
                    throw new UserError($"{network.Spec.Neurons[i].Name}: dt/c = {stepGain:G3} mV/nA or g_L = {leak:G3} µS exceeds the format's 16");
                }

                model.StepGain[i] = Q(stepGain, FixedPoint.GainBits);
                model.LeakConductance[i] = Q(leak, FixedPoint.GainBits);
                model.LeakReversal[i] = Q(neuron.LeakReversalMv, FixedPoint.VoltageBits);
            }

            model.VoltageMin[i] = Q(NetworkRunner.VoltageFloor, FixedPoint.VoltageBits);
            model.VoltageMax[i] = Q(NetworkRunner.VoltageCeiling, FixedPoint.VoltageBits);
        }

        model.Lambda = banks.Select(b => b.Lambda).ToArray();
        model.BankGain = banks.Select(b => b.Gain).ToArray();
        model.NormCenter = norms.Select(x => x.Center).ToArray();
        model.NormMultiplier = norms.Select(x => x.Multiplier).ToArray();
        model.NormShift = norms.Select(x => x.Shift).ToArray();
        model.LayerIn = layers.Select(l => l.Layer.In).ToArray();
        model.LayerOut = layers.Select(l => l.Layer.Out).ToArray();
        model.LayerActivation = layers.Select(l => (int)ActivationCodeOf(l.Layer.Activation)).ToArray();
        model.LayerWeightIndex = layers.Select(l => l.WeightIndex).ToArray();
        model.LayerParamIndex = layers.Select(l => l.ParamIndex).ToArray();
        model.Weights = weights.ToArray();
        model.Bias = parameters.Select(x => x.Bias).ToArray();
        model.Multiplier = parameters.Select(x => x.Multiplier).ToArray();
        model.Shift = parameters.Select(x => x.Shift).ToArray();
        model.Table = BuildTable();

        // The oldest version that holds the model, so boards with older firmware still take what they can run.
        model.Version = currents.Any(x => x.Spec.Input != BankInput.Voltage) ? RmmqFormat.Version : RmmqFormat.OldestVersion;
        model.DtNs = (int)Math.Round(network.DtMs * 1e6);
        model.NeuronCount = n;
        model.CurrentCount = c;
        model.WeightBits = weightBits;
        model.LayerCount = layers.Count;
        model.StateCount = banks.Count;
        model.MacsPerStep = layers.Sum(l => l.Layer.In * l.Layer.Out);
        model.MaxWidth = Math.Max(1, layers.Count == 0 ? 1 : layers.Max(l => Math.Max(l.Layer.In, l.Layer.Out)));
        model.ArenaBytes = RmmqLayout.ArenaBytes(n, model.StateCount, c, model.MaxWidth);
        model.ParameterCount = network.ParameterCount;
        byte[] file = RmmqWriter.Write(model);

        summary = new CompileSummary(weightBits, network.ParameterCount, file.Length, model.MacsPerStep, model.StateCount, model.ArenaBytes,
            model.MacsPerStep + 3 * model.StateCount + 2 * norms.Count + 3 * parameters.Count + 8 * n);
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
}
