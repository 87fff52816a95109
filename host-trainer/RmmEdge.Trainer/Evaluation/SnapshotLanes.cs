using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Evaluation;

/// <summary>
/// Free runs of up to eight snapshots of one network side by side, one snapshot per lane of a 256-bit
/// vector. Snapshot selection scores many snapshots of the same network, and a free run of one is a chain
/// of dependent additions (each output of the one-sample pass adds its products in input order, which
/// fixes its bits), so one network at a time leaves most of the core idle. Lanes are independent
/// networks: each lane does exactly what <see cref="NetworkRunner.Step"/> does for its snapshot, in the
/// same order and with the same roundings, so every lane's run is the scalar run bit for bit
/// (<c>SnapshotLanesTests</c>). The filter banks, the input normalisation and the output scales are not
/// trained, so the lanes share them; the weights, the biases, each gating current's conductance and reversal,
/// and each neuron's capacitance and leak are the lanes' own.
/// Networks of lumped (tanh) and gating (sigmoid) currents on voltage-driven banks (<see cref="Supports"/>:
/// the single-neuron and pair networks); those with spike-activity banks run one snapshot at a time.
/// </summary>
public sealed class SnapshotLanes
{
    public const int Lanes = 8;

    private readonly Network _network;
    private readonly Current[] _currents;
    private readonly float[][][][] _weights;   // [current][MLP][layer][(j · In + k) · Lanes + lane]
    private readonly float[][][][] _biases;    // [current][MLP][layer][j · Lanes + lane], zeros without a bias
    private readonly float[][] _conductance, _reversal;   // [current][lane], gating currents
    private readonly float[][] _inverseCapacitance, _leakConductance, _leakReversal;   // [neuron][lane], modelled neurons

    public SnapshotLanes(Network network)
    {
        if (!Supports(network))
        {
            throw new ArgumentException("side-by-side free runs need lumped and gating currents on voltage-driven banks", nameof(network));
        }

        _network = network;
        _currents = network.Currents;
        _weights = _currents.Select(c => c.Mlps.Select(m => m.Layers.Select(l => new float[l.In * l.Out * Lanes]).ToArray()).ToArray()).ToArray();
        _biases = _currents.Select(c => c.Mlps.Select(m => m.Layers.Select(l => new float[l.Out * Lanes]).ToArray()).ToArray()).ToArray();
        _conductance = NewLanes(_currents.Length);
        _reversal = NewLanes(_currents.Length);
        int n = network.NeuronCount;
        _inverseCapacitance = NewLanes(n);
        _leakConductance = NewLanes(n);
        _leakReversal = NewLanes(n);
    }

    /// <summary>Snapshots in the lanes (<see cref="Load"/>).</summary>
    public int Count { get; private set; }

    /// <summary>Whether this machine and network can run side by side (otherwise: one snapshot at a time).</summary>
    public static bool Supports(Network network) =>
        Vector256.IsHardwareAccelerated
        && network.Currents.All(c => c.Spec.Input == BankInput.Voltage && c switch
        {
            LumpedCurrent lumped => Activations(lumped.Mlp, Activation.Tanh),
            GatingCurrent gating => gating.Mlps.All(m => Activations(m, Activation.Sigmoid)),
            _ => false,
        });

    private static bool Activations(Mlp mlp, Activation hidden) =>
        mlp.Layers.All(l => l.Activation == (l == mlp.Layers[^1] ? Activation.Identity : hidden));

    /// <summary>
    /// Puts up to <see cref="Lanes"/> snapshots in the lanes: each is restored into the network (which is
    /// left holding one of them) and its effective weights are copied into its lane. Unused lanes repeat
    /// the first snapshot; their runs are computed and dropped.
    /// </summary>
    public void Load(IReadOnlyList<float[][]> snapshots)
    {
        if (snapshots.Count is < 1 or > Lanes)
        {
            throw new ArgumentException($"1 to {Lanes} snapshots, got {snapshots.Count}", nameof(snapshots));
        }

        for (int lane = 0; lane < snapshots.Count; lane++)
        {
            _network.Restore(snapshots[lane]);
            CopyIntoLane(lane);
        }

        if (snapshots.Count < Lanes)
        {
            _network.Restore(snapshots[0]);
            for (int lane = snapshots.Count; lane < Lanes; lane++) { CopyIntoLane(lane); }
        }

        Count = snapshots.Count;
    }

    private void CopyIntoLane(int lane)
    {
        for (int c = 0; c < _currents.Length; c++)
        {
            for (int m = 0; m < _currents[c].Mlps.Count; m++)
            {
                DenseLayer[] layers = _currents[c].Mlps[m].Layers;
                for (int l = 0; l < layers.Length; l++)
                {
                    float[] effective = layers[l].Effective, w = _weights[c][m][l], b = _biases[c][m][l];
                    for (int i = 0; i < effective.Length; i++) { w[i * Lanes + lane] = effective[i]; }
                    float[]? bias = layers[l].Bias?.Value;
                    for (int j = 0; j < layers[l].Out; j++) { b[j * Lanes + lane] = bias is null ? 0f : bias[j]; }
                }
            }

            if (_currents[c] is GatingCurrent gating)
            {
                _conductance[c][lane] = gating.G;
                _reversal[c][lane] = gating.E;
            }
        }

        foreach (NeuronModel m in _network.Models)
        {
            _inverseCapacitance[m.Index][lane] = m.InverseCapacitance;
            _leakConductance[m.Index][lane] = m.LeakConductance;
            _leakReversal[m.Index][lane] = m.LeakReversalMv;
        }
    }

    /// <summary>
    /// <see cref="FreeRun.Run"/> (γ = 0, nothing removed) of every loaded snapshot on <paramref name="data"/>:
    /// one result per snapshot, each the scalar run's bit for bit. Runs share nothing but the loaded lanes,
    /// so several may run at once.
    /// </summary>
    public FreeRunResult[] Run(Dataset data, int warmup)
    {
        _network.CheckFits(data);
        if (warmup < 0 || warmup >= data.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(warmup), $"warm-up {warmup} of a {data.Length}-sample record");
        }

        int n = _network.NeuronCount, length = data.Length - warmup;
        var state = new LaneState(this);
        float[] current = new float[n], measured = new float[n];
        for (int i = 0; i < n; i++) { measured[i] = data.Neurons[i].V[0]; }

        state.Reset(measured);
        float[][][] v = NewRecord(Count, n, length), psi = NewRecord(Count, _currents.Length, length);
        for (int k = 0; k < data.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                current[i] = data.Neurons[i].I[k];
                measured[i] = data.Neurons[i].V[k];
            }

            if (k >= warmup)
            {
                for (int i = 0; i < n; i++)
                {
                    Vector256<float> vi = _network.Spec.Neurons[i].External ? Vector256.Create(measured[i]) : state.V[i];
                    Scatter(vi, v, i, k - warmup);
                }
            }

            state.Step(current, measured, k < warmup ? 1f : 0f);
            if (k >= warmup)
            {
                for (int c = 0; c < _currents.Length; c++) { Scatter(state.Psi[c], psi, c, k - warmup); }
            }
        }

        return Enumerable.Range(0, Count).Select(lane => new FreeRunResult(warmup, v[lane], psi[lane], state.Diverged[lane])).ToArray();
    }

    /// <summary>
    /// <see cref="Interpretation.ConstantCurrentResponse.RunFromRest"/> of every loaded snapshot:
    /// [snapshot][neuron][sample], the <paramref name="samples"/> after the first <paramref name="settle"/>.
    /// </summary>
    public float[][][] RunFromRest(double currentNa, float[] startMv, int settle, int samples)
    {
        int n = _network.NeuronCount;
        var state = new LaneState(this);
        state.Reset(startMv);
        float[] current = Enumerable.Repeat((float)currentNa, n).ToArray();
        float[][][] v = NewRecord(Count, n, samples);
        for (int k = 0; k < settle + samples; k++)
        {
            state.Step(current, ReadOnlySpan<float>.Empty, 0f);
            if (k >= settle)
            {
                for (int i = 0; i < n; i++) { Scatter(state.V[i], v, i, k - settle); }
            }
        }

        return v;
    }

    private static float[][] NewLanes(int n) => Enumerable.Range(0, n).Select(_ => new float[Lanes]).ToArray();

    /// <summary>[lane][row][sample] for the loaded snapshots' lanes.</summary>
    private static float[][][] NewRecord(int lanes, int rows, int length) =>
        Enumerable.Range(0, lanes).Select(_ => Enumerable.Range(0, rows).Select(_ => new float[length]).ToArray()).ToArray();

    private static void Scatter(Vector256<float> values, float[][][] record, int row, int k)
    {
        for (int lane = 0; lane < record.Length; lane++) { record[lane][row][k] = values.GetElement(lane); }
    }

    private static Vector256<float> Lane(float[] values) => Vector256.Create<float>(values);

    /// <summary>One run's state: voltages, bank states and scratch, per lane.</summary>
    private sealed class LaneState
    {
        private readonly SnapshotLanes _lanes;
        private readonly Network _network;
        private readonly float[][] _banks;       // [current][state · Lanes + lane]
        private readonly float[] _inputs, _ping, _pong;   // an MLP's inputs and its layers' outputs, (widest layer) × Lanes
        private readonly float[] _row = new float[Lanes];   // one float per lane: a bank's drive, or the post voltage to normalise
        private readonly Vector256<float>[] _dvdt;

        public LaneState(SnapshotLanes lanes)
        {
            _lanes = lanes;
            _network = lanes._network;
            _banks = lanes._currents.Select(c => new float[c.Bank.Size * Lanes]).ToArray();
            int widest = lanes._currents.Max(c => c.Mlps.Max(m => m.MaxWidth));
            _inputs = new float[widest * Lanes];
            _ping = new float[widest * Lanes];
            _pong = new float[widest * Lanes];
            V = new Vector256<float>[_network.NeuronCount];
            _dvdt = new Vector256<float>[_network.NeuronCount];
            Psi = new Vector256<float>[lanes._currents.Length];
            Diverged = new bool[Lanes];
        }

        public Vector256<float>[] V { get; }

        public Vector256<float>[] Psi { get; }

        public bool[] Diverged { get; }

        /// <summary><see cref="NetworkRunner.Reset"/>: every lane at v0, every bank at its steady state for its source's v0.</summary>
        public void Reset(ReadOnlySpan<float> v0)
        {
            for (int i = 0; i < V.Length; i++) { V[i] = Vector256.Create(v0[i]); }
            Span<float> steady = stackalloc float[_lanes._currents.Max(c => c.Bank.Size)];
            for (int c = 0; c < _banks.Length; c++)
            {
                Current current = _lanes._currents[c];
                current.Bank.SteadyState(current.Spec.Drive(v0[current.Source]), steady);
                for (int s = 0; s < current.Bank.Size; s++) { _banks[c].AsSpan(s * Lanes, Lanes).Fill(steady[s]); }
            }

            Array.Clear(Diverged);
        }

        /// <summary><see cref="NetworkRunner.Step"/> in every lane.</summary>
        public void Step(ReadOnlySpan<float> current, ReadOnlySpan<float> measured, float gamma)
        {
            NeuronSpec[] neurons = _network.Spec.Neurons;
            for (int i = 0; i < V.Length; i++)
            {
                if (neurons[i].External)
                {
                    V[i] = Vector256.Create(measured[i]);
                }
                else if (gamma > 0f)
                {
                    V[i] = Vector256.Create(gamma * measured[i]) + Vector256.Create(1f - gamma) * V[i];
                }
            }

            Array.Clear(_dvdt);
            for (int c = 0; c < _banks.Length; c++)
            {
                Current cur = _lanes._currents[c];
                Psi[c] = cur is LumpedCurrent lumped ? Lumped(c, lumped, V[cur.Owner]) : Gating(c, (GatingCurrent)cur, V[cur.Owner]);
                _dvdt[cur.Owner] -= Psi[c];
            }

            foreach (NeuronModel m in _network.Models)
            {
                int i = m.Index;
                // InverseCapacitance · (injected − LeakConductance · (v − E_L) − Σψ), as NeuronModel.Dvdt.
                Vector256<float> leak = Lane(_lanes._leakConductance[i]) * (V[i] - Lane(_lanes._leakReversal[i]));
                _dvdt[i] = Lane(_lanes._inverseCapacitance[i]) * (Vector256.Create(current[i]) - leak - (-_dvdt[i]));
            }

            for (int c = 0; c < _banks.Length; c++)
            {
                Current cur = _lanes._currents[c];
                V[cur.Source].StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_row));
                cur.Bank.StepBatch(_banks[c], _row, Lanes);
            }

            var dt = Vector256.Create((float)_network.DtMs);
            foreach (NeuronModel m in _network.Models)
            {
                int i = m.Index;
                Vector256<float> next = V[i] + dt * _dvdt[i];
                Vector256<float> inRange = Vector256.GreaterThan(next, Vector256.Create(NetworkRunner.VoltageFloor))
                    & Vector256.LessThan(next, Vector256.Create(NetworkRunner.VoltageCeiling));
                uint kept = Vector256.ExtractMostSignificantBits(inRange);
                if (kept != (1u << Lanes) - 1)
                {
                    next = Clamp(next, kept);
                }

                V[i] = next;
            }
        }

        /// <summary>The scalar runner's divergence clamp, lane by lane.</summary>
        private Vector256<float> Clamp(Vector256<float> next, uint inRange)
        {
            Span<float> lanes = stackalloc float[Lanes];
            next.CopyTo(lanes);
            for (int lane = 0; lane < Lanes; lane++)
            {
                if ((inRange & (1u << lane)) == 0)
                {
                    float x = lanes[lane];
                    lanes[lane] = float.IsNaN(x) || x <= NetworkRunner.VoltageFloor ? NetworkRunner.VoltageFloor : NetworkRunner.VoltageCeiling;
                    Diverged[lane] = true;
                }
            }

            return Vector256.Create<float>(lanes);
        }

        /// <summary>ψ of lumped current c in every lane: <see cref="LumpedCurrent.Evaluate"/>.</summary>
        private Vector256<float> Lumped(int c, LumpedCurrent cur, Vector256<float> v)
        {
            // Clamp((raw − center)·scale) per input, as FillInput: the post voltage, then the bank states
            // (ApplyFeature is Apply's arithmetic bit for bit for finite inputs; voltages are clamped and the banks stable).
            float[] z = _inputs;
            int o = 0;
            if (cur.Spec.UsesPostVoltage)
            {
                v.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_row));
                cur.Normalizer.ApplyFeature(0, _row, z.AsSpan(0, Lanes));
                o = 1;
            }

            NormalizeBank(c, cur.Normalizer, o, z);
            return Vector256.Create(cur.OutputScale) * Mlp(c, 0, cur.Mlp, z);
        }

        /// <summary>ψ of gating current c in every lane: <see cref="GatingCurrent.Evaluate"/>, (g · a · b) · (v − E).</summary>
        private Vector256<float> Gating(int c, GatingCurrent cur, Vector256<float> v)
        {
            float[] z = _inputs;
            NormalizeBank(c, cur.Normalizer, 0, z);
            Vector256<float> g = Lane(_lanes._conductance[c]) * Mlp(c, 0, cur.Activation, z);
            if (cur.Inactivation is not null)
            {
                g *= Mlp(c, 1, cur.Inactivation, z);
            }

            return g * (v - Lane(_lanes._reversal[c]));
        }

        private void NormalizeBank(int c, InputNormalizer normalizer, int o, float[] z)
        {
            float[] bank = _banks[c];
            for (int s = 0; s < _lanes._currents[c].Bank.Size; s++)
            {
                normalizer.ApplyFeature(o + s, bank.AsSpan(s * Lanes, Lanes), z.AsSpan((o + s) * Lanes, Lanes));
            }
        }

        /// <summary>MLP m of current c on the inputs z (left unchanged) in every lane: its one output.</summary>
        private Vector256<float> Mlp(int c, int m, Mlp mlp, float[] z)
        {
            float[] x = z, y = _ping;
            DenseLayer[] layers = mlp.Layers;
            for (int l = 0; l < layers.Length; l++)
            {
                Layer(layers[l], _lanes._weights[c][m][l], _lanes._biases[c][m][l], x, y);
                x = y;
                y = y == _ping ? _pong : _ping;
            }

            return Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(x));
        }

        /// <summary>
        /// y[j] = act(b[j] + W[j,0]·x[0] + W[j,1]·x[1] + …) in every lane: each product rounded, then added in
        /// input order (<see cref="DenseLayer.ForwardOne"/>'s definition); four outputs' chains side by side.
        /// </summary>
        private static void Layer(DenseLayer layer, float[] weights, float[] biases, float[] x, float[] y)
        {
            ref float w = ref MemoryMarshal.GetArrayDataReference(weights);
            ref float b = ref MemoryMarshal.GetArrayDataReference(biases);
            ref float xr = ref MemoryMarshal.GetArrayDataReference(x);
            ref float yr = ref MemoryMarshal.GetArrayDataReference(y);
            int inputs = layer.In, outputs = layer.Out, j = 0;
            Activation activation = layer.Activation;
            for (; j + 4 <= outputs; j += 4)
            {
                Vector256<float> a0 = Vector256.LoadUnsafe(ref b, (nuint)(j * Lanes)), a1 = Vector256.LoadUnsafe(ref b, (nuint)((j + 1) * Lanes)),
                    a2 = Vector256.LoadUnsafe(ref b, (nuint)((j + 2) * Lanes)), a3 = Vector256.LoadUnsafe(ref b, (nuint)((j + 3) * Lanes));
                ref float w0 = ref Row(ref w, j * inputs);
                ref float w1 = ref Row(ref w, (j + 1) * inputs);
                ref float w2 = ref Row(ref w, (j + 2) * inputs);
                ref float w3 = ref Row(ref w, (j + 3) * inputs);
                for (int k = 0; k < inputs; k++)
                {
                    Vector256<float> xk = Vector256.LoadUnsafe(ref xr, (nuint)(k * Lanes));
                    nuint at = (nuint)(k * Lanes);
                    a0 += xk * Vector256.LoadUnsafe(ref w0, at);
                    a1 += xk * Vector256.LoadUnsafe(ref w1, at);
                    a2 += xk * Vector256.LoadUnsafe(ref w2, at);
                    a3 += xk * Vector256.LoadUnsafe(ref w3, at);
                }

                Store(activation, a0, ref yr, j);
                Store(activation, a1, ref yr, j + 1);
                Store(activation, a2, ref yr, j + 2);
                Store(activation, a3, ref yr, j + 3);
            }

            for (; j < outputs; j++)
            {
                Vector256<float> a = Vector256.LoadUnsafe(ref b, (nuint)(j * Lanes));
                ref float wj = ref Row(ref w, j * inputs);
                for (int k = 0; k < inputs; k++)
                {
                    nuint at = (nuint)(k * Lanes);
                    a += Vector256.LoadUnsafe(ref xr, at) * Vector256.LoadUnsafe(ref wj, at);
                }

                Store(activation, a, ref yr, j);
            }
        }

        /// <summary>Weight row r of the lanes' layout: [r · Lanes].</summary>
        private static ref float Row(ref float weights, int row) => ref Unsafe.Add(ref weights, row * Lanes);

        /// <summary>act(value) into output j: tanh by its vector path, the sigmoid lane by lane (MathF.Exp), as the scalar pass.</summary>
        private static void Store(Activation activation, Vector256<float> value, ref float y, int j)
        {
            if (activation == Activation.Tanh)
            {
                value = FastTanh.Of(value);
            }
            else if (activation == Activation.Sigmoid)
            {
                Span<float> lanes = stackalloc float[Lanes];
                value.CopyTo(lanes);
                for (int lane = 0; lane < Lanes; lane++) { lanes[lane] = DenseLayer.Activate(Activation.Sigmoid, lanes[lane]); }
                value = Vector256.Create<float>(lanes);
            }

            value.StoreUnsafe(ref y, (nuint)(j * Lanes));
        }
    }
}
