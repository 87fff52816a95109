using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Forward simulation and back-propagation through time of a group of shots (multiple shooting, with
/// generalized teacher forcing). All shots of the group step together, feature-major (value[b] for
/// shot b), so every MLP evaluation is a batched matrix product. One worker per gradient partition:
/// its gradients live in its own accumulators and are added in partition order, so results do not
/// depend on the number of cores. Allocation-free after construction.
/// </summary>
/// <remarks>
/// The map, for shot-local step k = 0..s−1 (design §4):
///   u_i[k] = data for an external neuron, γ·d_i[k] + (1−γ)·v_i[k] for a modelled one
///   v_i[k+1] = u_i[k] + dt·c⁻¹·(I_i[k] − g_L(u_i[k] − E_L) − Σ_c ψ_c(u_owner[k], x_c[k]))
///   x_c[k+1] = A_c x_c[k] + B_c u_source[k]
/// with v[0], x[0] the shot's trainable initial state. The loss is
///   (1/dt²)·[ mean over (k, shot, neuron) of w[k]·(min(v[k], θ) − min(d[k], θ))²   (θ = +∞ unless clipped) + ρ_v·mean over shots of (v0_next − v[s])²
///            + ρ_x·mean over shots of Σ_i ((x0_next,i − x_i[s]) / DC gain_i)² ]
/// (the authors' MS loss, rmm-facts.md §2, with w ≡ 1; slope weights w as in teacher forcing on request). Its gradient is carried backwards by the adjoints
/// λv = dL/dv and λx = dL/dx.
/// </remarks>
internal sealed class MultipleShootingWorker
{
    private readonly MultipleShootingProblem _problem;
    private readonly Network _network;
    private readonly int _steps, _capacity, _neurons;
    private readonly ShotCurrentSteps[] _currents;
    private readonly int[] _modelSlot;        // neuron index → slot among modelled neurons (−1: external)
    private readonly float[][] _u;            // [neuron][k * capacity + b]: voltage fed to currents, banks and Euler step
    private readonly float[][] _v;            // [slot][k * capacity + b], k = 0..s: model voltage
    private readonly float[][] _drive;        // [slot][k * capacity + b]: I − g_L(u − E_L) − Σψ
    private readonly float[][] _lambdaV;      // [slot][b]: dL/dv at the step being processed
    private readonly float[][] _lambdaU;      // [neuron][b]: dL/du at that step
    private readonly double[] _gCinv, _gLeak, _gLeakReversal;
    private readonly int[] _shots;
    private readonly int[] _shotStart;        // [b]: the first sample of shot b in the record
    private readonly float[][] _nextGradV;    // [slot][b]: continuity gradient for the next shot's v0
    private readonly float[][] _envelope;     // [slot][k * capacity + b], k = 0..s: the model's spike-rate envelope (with one)
    private readonly float[][] _lambdaR;      // [slot][b]: dL/dr at the step being processed
    private int _count;

    public MultipleShootingWorker(MultipleShootingProblem problem, int capacity)
    {
        _problem = problem;
        _network = problem.Network;
        _steps = problem.ShotLength;
        _capacity = capacity;
        _neurons = _network.NeuronCount;
        _modelSlot = Enumerable.Repeat(-1, _neurons).ToArray();
        for (int m = 0; m < _network.Models.Length; m++) { _modelSlot[_network.Models[m].Index] = m; }
        int models = _network.Models.Length;
        _currents = _network.ModelledCurrents.Select(c => new ShotCurrentSteps(c, _steps, capacity)).ToArray();
        _u = Enumerable.Range(0, _neurons).Select(_ => new float[_steps * capacity]).ToArray();
        _v = Enumerable.Range(0, models).Select(_ => new float[(_steps + 1) * capacity]).ToArray();
        _drive = Enumerable.Range(0, models).Select(_ => new float[_steps * capacity]).ToArray();
        _lambdaV = Enumerable.Range(0, models).Select(_ => new float[capacity]).ToArray();
        _lambdaU = Enumerable.Range(0, _neurons).Select(_ => new float[capacity]).ToArray();
        _shots = new int[capacity];
        _shotStart = new int[capacity];
        _nextGradV = Enumerable.Range(0, models).Select(_ => new float[capacity]).ToArray();
        int envelopeSize = problem.Envelope is null ? 0 : (_steps + 1) * capacity;
        _envelope = Enumerable.Range(0, models).Select(_ => new float[envelopeSize]).ToArray();
        _lambdaR = Enumerable.Range(0, models).Select(_ => new float[problem.Envelope is null ? 0 : capacity]).ToArray();
        _gCinv = new double[models];
        _gLeak = new double[models];
        _gLeakReversal = new double[models];
    }

    /// <summary>Σ (v − d)² over the group's samples (mV²).</summary>
    public double DataErrorSum { get; private set; }

    /// <summary>Σ of the continuity mismatches, ρ-weighted, over the group's shots (mV²).</summary>
    public double ContinuitySum { get; private set; }

    /// <summary>
    /// Loss and gradients for the given shots (indices into the problem's shots).
    /// <paramref name="dataScale"/> multiplies Σ (v − d)², <paramref name="continuityScale"/> the
    /// ρ-weighted continuity sums, in the loss whose gradient is accumulated.
    /// </summary>
    public void Process(ReadOnlySpan<int> shots, float gamma, float dataScale, float continuityScale)
    {
        shots.CopyTo(_shots);
        _count = shots.Length;
        for (int b = 0; b < _count; b++) { _shotStart[b] = _problem.ShotStart[_shots[b]]; }
        Clear();
        Forward(gamma);
        Backward(gamma, dataScale, continuityScale);
    }

    private void Clear()
    {
        Array.Clear(_gCinv);
        Array.Clear(_gLeak);
        Array.Clear(_gLeakReversal);
        DataErrorSum = ContinuitySum = 0;
        foreach (ShotCurrentSteps c in _currents) { c.Clear(); }
    }

    private void Forward(float gamma)
    {
        int n = _count, cap = _capacity;
        float dt = (float)_network.DtMs;
        MultipleShootingProblem p = _problem;
        SpikeEnvelope? envelope = p.Envelope;
        float alpha = envelope?.Alpha(_network.DtMs) ?? 0;
        foreach (NeuronModel m in _network.Models)
        {
            int slot = _modelSlot[m.Index];
            for (int b = 0; b < n; b++) { _v[slot][b] = p.InitialVoltage.Value[_shots[b] * _network.Models.Length + slot]; }
            if (envelope is not null)
            {
                float[] r = p.DataEnvelope[m.Index];
                for (int b = 0; b < n; b++) { _envelope[slot][b] = r[_shotStart[b]]; }
            }
        }

        for (int c = 0; c < _currents.Length; c++)
        {
            _currents[c].LoadInitialState(p.InitialStates[c], _shots, n);
        }

        for (int k = 0; k < _steps; k++)
        {
            for (int i = 0; i < _neurons; i++)
            {
                float[] d = p.Voltage[i];
                Span<float> u = _u[i].AsSpan(k * cap, n);
                int slot = _modelSlot[i];
                if (slot < 0)
                {
                    for (int b = 0; b < n; b++) { u[b] = d[_shotStart[b] + k]; }
                }
                else
                {
                    ReadOnlySpan<float> v = _v[slot].AsSpan(k * cap, n);
                    for (int b = 0; b < n; b++) { u[b] = gamma * d[_shotStart[b] + k] + (1f - gamma) * v[b]; }
                }
            }

            foreach (NeuronModel m in _network.Models)
            {
                int slot = _modelSlot[m.Index];
                float[] current = p.Current[m.Index];
                ReadOnlySpan<float> u = _u[m.Index].AsSpan(k * cap, n);
                Span<float> drive = _drive[slot].AsSpan(k * cap, n);
                float gL = m.LeakConductance, eL = m.LeakReversalMv;
                for (int b = 0; b < n; b++) { drive[b] = current[_shotStart[b] + k] - gL * (u[b] - eL); }
            }

            for (int c = 0; c < _currents.Length; c++)
            {
                ShotCurrentSteps cs = _currents[c];
                int slot = _modelSlot[cs.Current.Owner];
                cs.Forward(k, _u[cs.Current.Owner].AsSpan(k * cap, n), _u[cs.Current.Source].AsSpan(k * cap, n),
                    _drive[slot].AsSpan(k * cap, n), n);
            }

            foreach (NeuronModel m in _network.Models)
            {
                int slot = _modelSlot[m.Index];
                float step = dt * m.InverseCapacitance;
                ReadOnlySpan<float> u = _u[m.Index].AsSpan(k * cap, n), drive = _drive[slot].AsSpan(k * cap, n);
                Span<float> next = _v[slot].AsSpan((k + 1) * cap, n);
                for (int b = 0; b < n; b++)
                {
                    // The free run's divergence clamp (NetworkRunner), so that a wild shot cannot produce infinities.
                    next[b] = Math.Clamp(u[b] + step * drive[b], NetworkRunner.VoltageFloor, NetworkRunner.VoltageCeiling);
                }

                if (envelope is not null)
                {
                    // r[k+1] = r[k] + α·(a(v[k]) − r[k]): the envelope of the model's own voltage.
                    ReadOnlySpan<float> v = _v[slot].AsSpan(k * cap, n), r = _envelope[slot].AsSpan(k * cap, n);
                    Span<float> rNext = _envelope[slot].AsSpan((k + 1) * cap, n);
                    for (int b = 0; b < n; b++) { rNext[b] = r[b] + alpha * (envelope.Activity(v[b]) - r[b]); }
                }
            }
        }
    }

    private void Backward(float gamma, float dataScale, float continuityScale)
    {
        int n = _count, cap = _capacity, models = _network.Models.Length;
        float dt = (float)_network.DtMs;
        MultipleShootingProblem p = _problem;

        SpikeEnvelope? envelope = p.Envelope;
        float alpha = envelope?.Alpha(_network.DtMs) ?? 0, envelopeScale = envelope?.ScaleMv ?? 0;
        foreach (float[] l in _lambdaR) { Array.Clear(l); }

        // Adjoints at k = s: the continuity penalties towards the next shot's initial state.
        for (int slot = 0; slot < models; slot++)
        {
            ReadOnlySpan<float> vEnd = _v[slot].AsSpan(_steps * cap, n);
            for (int b = 0; b < n; b++)
            {
                int next = _shots[b] + 1;
                _lambdaV[slot][b] = _nextGradV[slot][b] = 0f;
                if (p.Continues[_shots[b]])
                {
                    float mismatch = p.InitialVoltage.Value[next * models + slot] - vEnd[b];
                    ContinuitySum += p.ContinuityV * mismatch * mismatch;
                    _nextGradV[slot][b] = 2f * continuityScale * p.ContinuityV * mismatch;
                    _lambdaV[slot][b] = -_nextGradV[slot][b];
                }
            }
        }

        for (int c = 0; c < _currents.Length; c++)
        {
            ContinuitySum += _currents[c].StartBackward(p.InitialStates[c], _shots, n, p.Continues, p.ContinuityX, continuityScale);
        }

        for (int k = _steps - 1; k >= 0; k--)
        {
            foreach (float[] l in _lambdaU) { Array.Clear(l, 0, n); }

            // Euler step and leak: v[k+1] = u + dt·c⁻¹·drive, drive = I − g_L(u − E_L) − Σψ.
            foreach (NeuronModel m in _network.Models)
            {
                int slot = _modelSlot[m.Index];
                float cinv = m.InverseCapacitance, gL = m.LeakConductance, eL = m.LeakReversalMv;
                ReadOnlySpan<float> u = _u[m.Index].AsSpan(k * cap, n), drive = _drive[slot].AsSpan(k * cap, n);
                float[] lv = _lambdaV[slot], lu = _lambdaU[m.Index];
                double gCinv = 0, gLeak = 0, gE = 0;
                for (int b = 0; b < n; b++)
                {
                    float dDrive = dt * cinv * lv[b];     // dL/d(drive)
                    gCinv += dt * lv[b] * drive[b];
                    gLeak -= dDrive * (u[b] - eL);
                    gE += dDrive * gL;
                    lu[b] += lv[b] * (1f - dt * cinv * gL);
                }

                _gCinv[slot] += gCinv;
                _gLeak[slot] += gLeak;
                _gLeakReversal[slot] += gE;
            }

            // Currents and banks: dL/dψ = −dt·c⁻¹·λv of the owner.
            for (int c = 0; c < _currents.Length; c++)
            {
                ShotCurrentSteps cs = _currents[c];
                NeuronModel owner = _network.Models[_modelSlot[cs.Current.Owner]];
                cs.Backward(k, -dt * owner.InverseCapacitance, _lambdaV[_modelSlot[cs.Current.Owner]],
                    _u[cs.Current.Owner].AsSpan(k * cap, n), _u[cs.Current.Source].AsSpan(k * cap, n), _lambdaU[cs.Current.Owner], _lambdaU[cs.Current.Source], n);
            }

            // λv[k] = (1 − γ)·λu[k] + d(data loss)/dv[k].
            foreach (NeuronModel m in _network.Models)
            {
                int slot = _modelSlot[m.Index];
                float[] d = p.Voltage[m.Index], lv = _lambdaV[slot], lu = _lambdaU[m.Index];
                float[]? weight = p.LossWeight[m.Index];
                ReadOnlySpan<float> v = _v[slot].AsSpan(k * cap, n);
                float clip = p.ClipAboveMv;
                double sum = 0;
                for (int b = 0; b < n; b++)
                {
                    int sample = _shotStart[b] + k;
                    float e = Math.Min(v[b], clip) - Math.Min(d[sample], clip), we = weight is null ? e : weight[sample] * e;
                    sum += we * e;
                    lv[b] = (1f - gamma) * lu[b] + (v[b] < clip ? 2f * dataScale * we : 0f);
                }

                if (envelope is not null)
                {
                    // λr holds dL/dr[k+1]: r[k+1] took α·a(v[k]). Then λr becomes dL/dr[k], with r[k]'s own error
                    // (none at k = 0, the data's value at the shot's start).
                    float[] lr = _lambdaR[slot], rData = p.DataEnvelope[m.Index];
                    ReadOnlySpan<float> r = _envelope[slot].AsSpan(k * cap, n);
                    for (int b = 0; b < n; b++)
                    {
                        lv[b] += lr[b] * alpha * envelope.ActivitySlope(v[b]);
                        float e = k == 0 ? 0f : envelopeScale * (r[b] - rData[_shotStart[b] + k]);
                        sum += e * e;
                        lr[b] = (1f - alpha) * lr[b] + 2f * dataScale * envelopeScale * e;
                    }
                }

                DataErrorSum += sum;
            }
        }
    }

    /// <summary>
    /// Adds this worker's gradients: network parameters (raw space for the softplus scalars), the
    /// initial states of its own shots, and the continuity pull on the initial states of the shots
    /// that follow them. Called for one worker at a time, in partition order.
    /// </summary>
    public void AddTo()
    {
        int models = _network.Models.Length;
        for (int slot = 0; slot < models; slot++)
        {
            NeuronModel m = _network.Models[slot];
            m.InverseCapacitanceRaw.Grad[0] += (float)(_gCinv[slot] * Softplus.Derivative(m.InverseCapacitanceRaw.Value[0]));
            m.LeakConductanceRaw.Grad[0] += (float)(_gLeak[slot] * Softplus.Derivative(m.LeakConductanceRaw.Value[0]));
            m.LeakReversal.Grad[0] += (float)_gLeakReversal[slot];
            float[] g = _problem.InitialVoltage.Grad;
            for (int b = 0; b < _count; b++)
            {
                g[_shots[b] * models + slot] += _lambdaV[slot][b];
                if (_problem.Continues[_shots[b]]) { g[(_shots[b] + 1) * models + slot] += _nextGradV[slot][b]; }
            }
        }

        for (int c = 0; c < _currents.Length; c++)
        {
            _currents[c].AddTo(_problem.InitialStates[c], _shots, _count, _problem.Continues);
        }
    }
}
