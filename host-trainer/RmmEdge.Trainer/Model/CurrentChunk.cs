namespace RmmEdge.Trainer.Model;

/// <summary>
/// One current over a chunk of samples, for training: ψ from its normalised inputs z (feature-major,
/// column b is sample b) and the owner's voltage, and the gradient back through ψ. The batched
/// counterpart of <see cref="Current.Evaluate"/>, the per-sample reference the free run uses; the
/// two compute the same ψ, up to the order of the MLP's sums. A lumped current gives ψ = s·MLP(z); a
/// gating current ψ = g·a(z)·b(z)·(v − E). It keeps the MLP activations of <c>steps</c> separate
/// forward passes (teacher forcing uses one; multiple shooting one per step of a shot, since
/// back-propagation through time needs them all) and sums the gradients of every backward pass until
/// <see cref="AddTo"/>. Allocation-free after construction.
/// </summary>
internal sealed class CurrentChunk
{
    private readonly LumpedCurrent? _lumped;
    private readonly GatingCurrent? _gating;
    private readonly MlpChunk[] _first;            // per step: the lumped MLP, or the activation a
    private readonly MlpChunk[]? _second;          // per step: the inactivation b
    private readonly float[][] _a, _b;             // gating factors per step
    private readonly float[] _psi, _dOut, _dz2;
    private double _gConductance, _gReversal;

    /// <param name="capacity">Most samples in one chunk.</param>
    /// <param name="steps">Forward passes whose activations are kept for the backward passes.</param>
    public CurrentChunk(Current current, int capacity, int steps = 1)
    {
        _lumped = current as LumpedCurrent;
        _gating = current as GatingCurrent;
        _first = Enumerable.Range(0, steps).Select(_ => new MlpChunk(current.Mlps[0], capacity)).ToArray();
        _second = current.Mlps.Count > 1 ? Enumerable.Range(0, steps).Select(_ => new MlpChunk(current.Mlps[1], capacity)).ToArray() : null;
        int kept = _gating is null ? 0 : steps;
        _a = Enumerable.Range(0, kept).Select(_ => new float[capacity]).ToArray();
        _b = Enumerable.Range(0, kept).Select(_ => new float[capacity]).ToArray();
        _psi = new float[capacity];
        _dOut = new float[capacity];
        _dz2 = _second is null ? [] : new float[current.Normalizer.Center.Length * capacity];
    }

    public void ClearGradients()
    {
        foreach (MlpChunk m in _first) { m.ClearGradients(); }
        if (_second is not null) { foreach (MlpChunk m in _second) { m.ClearGradients(); } }
        _gConductance = _gReversal = 0;
    }

    /// <summary>ψ (nA) of the first <paramref name="n"/> samples at <paramref name="step"/>; valid until the next call.</summary>
    public ReadOnlySpan<float> Forward(int step, ReadOnlySpan<float> z, ReadOnlySpan<float> vOwner, int n)
    {
        if (_lumped is not null)
        {
            float s = _lumped.OutputScale;
            ReadOnlySpan<float> y = _first[step].Forward(z, n);
            for (int b = 0; b < n; b++) { _psi[b] = s * y[b]; }
            return _psi.AsSpan(0, n);
        }

        GatingCurrent gating = _gating!;
        float[] a = _a[step], bb = _b[step];
        _first[step].Forward(z, n).CopyTo(a);
        if (_second is not null) { _second[step].Forward(z, n).CopyTo(bb); }
        else { Array.Fill(bb, 1f, 0, n); }
        float g = gating.G, e = gating.E;
        for (int b = 0; b < n; b++) { _psi[b] = g * a[b] * bb[b] * (vOwner[b] - e); }
        return _psi.AsSpan(0, n);
    }

    /// <summary>
    /// Back through the forward pass of <paramref name="step"/> with dL/dψ[b] = <paramref name="factor"/>·<paramref name="upstream"/>[b]:
    /// sums the parameters' gradients; writes dL/dz into <paramref name="dz"/> and adds dL/dv_owner to
    /// <paramref name="dvOwner"/> when they are given (empty: not wanted, as in teacher forcing, where
    /// the voltage is data).
    /// </summary>
    public void Backward(int step, ReadOnlySpan<float> z, ReadOnlySpan<float> vOwner, float factor, ReadOnlySpan<float> upstream, int n,
        Span<float> dz = default, Span<float> dvOwner = default)
    {
        if (_lumped is not null)
        {
            float s = _lumped.OutputScale;
            for (int b = 0; b < n; b++) { _dOut[b] = s * factor * upstream[b]; }
            _first[step].Backward(z, _dOut, n, dz);
            return;
        }

        float g = _gating!.G, e = _gating.E;
        float[] a = _a[step], bb = _b[step];
        double gG = 0, gE = 0;
        bool wantsV = !dvOwner.IsEmpty;
        for (int b = 0; b < n; b++)
        {
            float dPsi = factor * upstream[b], drive = vOwner[b] - e;
            gG += dPsi * a[b] * bb[b] * drive;
            gE -= dPsi * g * a[b] * bb[b];
            if (wantsV) { dvOwner[b] += dPsi * g * a[b] * bb[b]; }
            _dOut[b] = dPsi * g * bb[b] * drive;
        }

        _gConductance += gG;
        _gReversal += gE;
        _first[step].Backward(z, _dOut, n, dz);
        if (_second is not null)
        {
            for (int b = 0; b < n; b++) { _dOut[b] = factor * upstream[b] * g * a[b] * (vOwner[b] - e); }
            if (dz.IsEmpty)
            {
                _second[step].Backward(z, _dOut, n);
            }
            else
            {
                Span<float> dz2 = _dz2.AsSpan(0, dz.Length);
                _second[step].Backward(z, _dOut, n, dz2);
                for (int f = 0; f < dz.Length; f++) { dz[f] += dz2[f]; }
            }
        }
    }

    /// <summary>Adds the summed gradients to the current's parameters (g in its raw, softplus space).</summary>
    public void AddTo()
    {
        foreach (MlpChunk m in _first) { m.AddTo(); }
        if (_second is not null) { foreach (MlpChunk m in _second) { m.AddTo(); } }
        if (_gating is not null)
        {
            _gating.ConductanceRaw.Grad[0] += (float)(_gConductance * Softplus.Derivative(_gating.ConductanceRaw.Value[0]));
            if (_gating.Spec.TrainReversal)
            {
                _gating.Reversal.Grad[0] += (float)_gReversal;
            }
        }
    }
}
