using RmmEdge.SharedModel.Format;

namespace RmmEdge.SharedModel.Tests;

/// <summary>
/// An independent reference of the .rmmq step, written from shared-model/Format/rmmq-format.md and not
/// from StepKernel or rmm_step.c: every stage is the exact real value of the spec's formula (128-bit
/// integers, so nothing can overflow) rounded half towards +∞ by floor division, then saturated where the
/// spec says so. It records every intermediate value of a step (<see cref="Stages"/>), so a port that
/// differs from the golden vectors can see the first stage where it does.
/// </summary>
public sealed class ReferenceStep
{
    private readonly RmmqModel _m;
    private readonly long[] _v;
    private readonly long[] _x;
    private readonly List<long> _stages = [];

    public ReferenceStep(RmmqModel model, int[] v0)
    {
        _m = model;
        _v = v0.Select(v => (long)v).ToArray();
        _x = new long[model.StateCount];
        for (int c = 0; c < model.CurrentCount; c++)
        {
            long u = BankInput(c, _v[model.Source[c]]);
            for (int i = 0; i < model.BankSize[c]; i++)
            {
                int s = model.BankIndex[c] + i;
                // Steady state: diagonal x = u; a GOBF section x = u·gain / (2^30 − λ), truncated, with u
                // its input at DC, which is u for every section (each all-pass section passes DC unchanged).
                _x[s] = model.BankKind[c] == (int)BankKindCode.Diagonal ? u : (long)((Int128)u * model.BankGain[s] / ((1L << 30) - model.Lambda[s]));
            }
        }
    }

    /// <summary>Every value of the last step, in the order tests/golden/README.md gives for stages.bin.</summary>
    public IReadOnlyList<long> Stages => _stages;

    public long[] Voltages => _v;

    public long[] States => _x;

    public long[] Psi { get; private set; } = [];

    public long[] CurrentInto { get; private set; } = [];

    /// <summary>round(n / 2^s), halves towards +∞: floor((n + 2^(s−1)) / 2^s).</summary>
    private static Int128 Round(Int128 n, int s)
    {
        if (s == 0)
        {
            return n;
        }

        Int128 d = Int128.One << s;
        return FloorDiv(n + (d >> 1), d);
    }

    private static Int128 FloorDiv(Int128 n, Int128 d)
    {
        Int128 q = n / d;
        return n % d != 0 && (n < 0) != (d < 0) ? q - 1 : q;
    }

    private static long Clamp(Int128 x, long low, long high) => x < low ? low : x > high ? high : (long)x;

    private static long Sat32(Int128 x) => Clamp(x, int.MinValue, int.MaxValue);

    /// <summary>MultiplyShift(a, b, s) = sat32(round(a·b / 2^s)).</summary>
    private static long Mul(long a, long b, int s) => Sat32(Round((Int128)a * b, s));

    /// <summary>tanh of a Q4.11 input from the table, Q0.15: linear interpolation between knots of 1/32.</summary>
    private long Tanh(long t)
    {
        long clamped = Clamp(t, -8 * 2048, 8 * 2048 - 1) + 16384;
        long i = clamped / 64, f = clamped % 64;
        long low = _m.Table[i], high = _m.Table[i + 1];
        return low + (long)Round((high - low) * f, 6);
    }

    /// <summary>The bank's input for a source voltage v: v itself, or (version 2) its spike activity in Q1.30.</summary>
    private long BankInput(int c, long v)
    {
        if (_m.BankInput[c] == (int)BankInputCode.Voltage)
        {
            return v;
        }

        long half = Sat32(Round((Int128)(v - _m.ActivityCenter[c]) * _m.ActivityMultiplier[c], _m.ActivityShift[c]));
        return ((Tanh(half) + 32768) / 2) << 15;
    }

    /// <summary>One step: external neurons take <paramref name="measured"/>, every neuron gets <paramref name="injected"/>.</summary>
    public void Step(int[] injected, int[] measured)
    {
        _stages.Clear();
        int n = _m.NeuronCount;
        for (int i = 0; i < n; i++)
        {
            if (_m.External[i]) { _v[i] = measured[i]; }
        }

        // Every current's normalised inputs, then its MLPs layer by layer, then ψ.
        var psi = new long[_m.CurrentCount];
        var layerOutputs = new List<long>();
        var inputs = new List<long>();
        for (int c = 0; c < _m.CurrentCount; c++)
        {
            long vOwner = _v[_m.Owner[c]];
            var raw = new List<long>();
            if (_m.UsesVoltage[c]) { raw.Add(vOwner); }
            for (int i = 0; i < _m.BankSize[c]; i++) { raw.Add(_x[_m.BankIndex[c] + i]); }
            long[] z = raw.Select((x, i) =>
            {
                int e = _m.NormIndex[c] + i;
                return Clamp(Round((Int128)(x - _m.NormCenter[e]) * _m.NormMultiplier[e], _m.NormShift[e]), -32767, 32767);
            }).ToArray();
            inputs.AddRange(z);
            long a = Mlp(z, _m.FirstLayerA[c], _m.LayersA[c], layerOutputs);
            if (_m.Kind[c] == (int)CurrentKindCode.Lumped)
            {
                psi[c] = a;
            }
            else
            {
                long b = _m.LayersB[c] > 0 ? Mlp(z, _m.FirstLayerB[c], _m.LayersB[c], layerOutputs) : 1L << 16;
                psi[c] = Mul(Mul(Mul(a, b, 16), _m.Conductance[c], 16), Sat32(vOwner - _m.Reversal[c]), 16);
            }
        }

        // Σψ per owner, saturated after every addition, in current order.
        var into = new long[n];
        for (int c = 0; c < _m.CurrentCount; c++) { into[_m.Owner[c]] = Sat32((Int128)into[_m.Owner[c]] + psi[c]); }

        // Each modelled neuron's next voltage.
        var next = (long[])_v.Clone();
        for (int i = 0; i < n; i++)
        {
            if (_m.External[i]) { continue; }
            long leak = Mul(_m.LeakConductance[i], Sat32(_v[i] - _m.LeakReversal[i]), 24);
            Int128 drive = (Int128)injected[i] - leak - into[i];
            next[i] = Clamp(_v[i] + Round(drive * _m.StepGain[i], 24), _m.VoltageMin[i], _m.VoltageMax[i]);
        }

        // Every bank advances with its input at this step (the source's voltage before the update).
        for (int c = 0; c < _m.CurrentCount; c++)
        {
            long u = BankInput(c, _v[_m.Source[c]]);
            for (int i = 0; i < _m.BankSize[c]; i++)
            {
                int s = _m.BankIndex[c] + i;
                long gain = _m.BankGain[s], lambda = _m.Lambda[s], x = _x[s];
                if (_m.BankKind[c] == (int)BankKindCode.Diagonal)
                {
                    _x[s] = Sat32(x + Round((Int128)(u - x) * gain, 30));
                }
                else
                {
                    Int128 y = Round((Int128)gain * x - (Int128)lambda * u, 30);
                    _x[s] = Sat32(Round((Int128)lambda * x + (Int128)gain * u, 30));
                    u = Sat32(y);
                }
            }
        }

        Array.Copy(next, _v, n);
        Psi = psi;
        CurrentInto = into;
        _stages.AddRange(inputs);
        _stages.AddRange(layerOutputs);
        _stages.AddRange(psi);
        _stages.AddRange(into);
        _stages.AddRange(_v);
        _stages.AddRange(_x);
    }

    /// <summary>Layers first..first+count−1 on z; every layer's outputs go to <paramref name="record"/>; returns the last layer's one output.</summary>
    private long Mlp(long[] z, int first, int count, List<long> record)
    {
        long[] input = z;
        for (int l = first; l < first + count; l++)
        {
            int inSize = _m.LayerIn[l], outSize = _m.LayerOut[l];
            var output = new long[outSize];
            for (int j = 0; j < outSize; j++)
            {
                int p = _m.LayerParamIndex[l] + j;
                Int128 acc = _m.Bias[p];
                for (int k = 0; k < inSize; k++) { acc += (Int128)_m.Weights[_m.LayerWeightIndex[l] + j * inSize + k] * input[k]; }
                long q = Sat32(Round(acc * _m.Multiplier[p], _m.Shift[p]));
                output[j] = _m.LayerActivation[l] switch
                {
                    (int)ActivationCode.Tanh => Tanh(q),
                    (int)ActivationCode.Sigmoid => (Tanh(q) + 32768) / 2,
                    _ => q,
                };
            }

            record.AddRange(output);
            input = output;
        }

        return input[0];
    }
}
