using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>One current of a <see cref="MultipleShootingWorker"/> over the steps of its shots: bank states, MLP inputs, ψ and its gradient (<see cref="CurrentChunk"/>), adjoints.</summary>
internal sealed class ShotCurrentSteps
{
    private readonly int _size;
    private readonly int _width;
    private readonly float[][] _x;        // [k][i * capacity + b], k = 0..s
    private readonly float[][] _z;        // [k][f * capacity + b]
    private readonly CurrentChunk _chunk;  // ψ and its gradient, one forward pass kept per step
    private float[] _lambdaX;              // dL/dx at k+1, then at k (Size × capacity)
    private float[] _lambdaXNext;          // dL/dx at k being formed; the two swap after each step back
    private readonly float[] _nextGradX;   // continuity gradient for the next shot's x0
    private readonly float[] _dz;
    private readonly float[] _dcGain;
    private readonly float[]? _bankInput, _bankInputGrad;   // the bank's input when it is spike activity, and its adjoint

    public ShotCurrentSteps(Current current, int steps, int capacity)
    {
        Current = current;
        _size = current.Bank.Size;
        _width = current.Normalizer.Center.Length;
        _x = Enumerable.Range(0, steps + 1).Select(_ => new float[_size * capacity]).ToArray();
        _z = Enumerable.Range(0, steps).Select(_ => new float[_width * capacity]).ToArray();
        _chunk = new CurrentChunk(current, capacity, steps);
        _lambdaX = new float[_size * capacity];
        _lambdaXNext = new float[_size * capacity];
        _nextGradX = new float[_size * capacity];
        _dz = new float[_width * capacity];
        _dcGain = Enumerable.Range(0, _size).Select(i => (float)current.Bank.DcGain(i)).ToArray();
        if (current.Spec.Input != BankInput.Voltage)
        {
            _bankInput = new float[capacity];
            _bankInputGrad = new float[capacity];
        }
    }

    public Current Current { get; }

    public void Clear() => _chunk.ClearGradients();

    public void LoadInitialState(Parameter initial, int[] shots, int n)
    {
        float[] x0 = _x[0];
        for (int b = 0; b < n; b++)
        {
            int row = shots[b] * _size;
            for (int i = 0; i < _size; i++) { x0[i * n + b] = initial.Value[row + i]; }
        }
    }

    /// <summary>ψ at step k subtracted from the owner's drive; the bank advanced to k+1.</summary>
    public void Forward(int k, ReadOnlySpan<float> uOwner, ReadOnlySpan<float> uSource, Span<float> drive, int n)
    {
        float[] x = _x[k], z = _z[k];
        float[] center = Current.Normalizer.Center, scale = Current.Normalizer.Scale;
        int o = 0;
        if (_width > _size)
        {
            // A lumped current reading its owner's voltage: feature 0.
            for (int b = 0; b < n; b++) { z[b] = InputNormalizer.Clamp((uOwner[b] - center[0]) * scale[0]); }
            o = 1;
        }

        for (int i = 0; i < _size; i++)
        {
            Current.Normalizer.ApplyFeature(o + i, x.AsSpan(i * n, n), z.AsSpan((o + i) * n, n));
        }

        ReadOnlySpan<float> psi = _chunk.Forward(k, z, uOwner, n);
        for (int b = 0; b < n; b++) { drive[b] -= psi[b]; }

        // x[k+1] = A x[k] + B u_source[k] (feature-major over the first n of capacity columns).
        Span<float> next = _x[k + 1].AsSpan(0, _size * n);
        if (_bankInput is null)
        {
            Current.Bank.StepBatch(x, next, uSource, n);
        }
        else
        {
            for (int b = 0; b < n; b++) { _bankInput[b] = Current.Spec.Drive(uSource[b]); }
            Current.Bank.StepBatch(x, next, _bankInput.AsSpan(0, n), n);
        }
    }

    /// <summary>Sets λx at k = s from the continuity penalty; returns the ρ-weighted Σ of squared mismatches.</summary>
    public double StartBackward(Parameter initial, int[] shots, int n, bool[] continues, float rho, float scale)
    {
        float[] end = _x[^1];
        Array.Clear(_lambdaX);
        Array.Clear(_nextGradX);
        double sum = 0;
        for (int b = 0; b < n; b++)
        {
            if (!continues[shots[b]]) { continue; }
            int next = shots[b] + 1;
            for (int i = 0; i < _size; i++)
            {
                float mismatch = (initial.Value[next * _size + i] - end[i * n + b]) / _dcGain[i];
                sum += rho * mismatch * mismatch;
                _nextGradX[i * n + b] = 2f * scale * rho * mismatch / _dcGain[i];
                _lambdaX[i * n + b] = -_nextGradX[i * n + b];
            }
        }

        return sum;
    }

    /// <summary>
    /// One step back: from λx[k+1] and dL/dψ[k] = <paramref name="psiFactor"/>·λv_owner[k+1], adds
    /// dL/du to the owner's and the source's λu, and leaves λx[k] in place of λx[k+1].
    /// </summary>
    public void Backward(int k, float psiFactor, float[] lambdaVOwner, ReadOnlySpan<float> uOwner,
        ReadOnlySpan<float> uSource, float[] lambdaUOwner, float[] lambdaUSource, int n)
    {
        float[] z = _z[k];
        Span<float> dz = _dz.AsSpan(0, _width * n);
        _chunk.Backward(k, z, uOwner, psiFactor, lambdaVOwner, n, dz, lambdaUOwner);

        // Through the clamped normalisation: no gradient where the input was clipped.
        float[] scale = Current.Normalizer.Scale;
        int o = 0;
        if (_width > _size)
        {
            for (int b = 0; b < n; b++)
            {
                if (MathF.Abs(z[b]) < InputNormalizer.Limit) { lambdaUOwner[b] += dz[b] * scale[0]; }
            }

            o = 1;
        }

        // λx[k] = Aᵀ λx[k+1] + (MLP input gradient); the bank's input gradient goes to the source.
        for (int i = 0; i < _size; i++)
        {
            int zr = (o + i) * n;
            Current.Normalizer.BackwardFeature(o + i, z.AsSpan(zr, n), dz.Slice(zr, n), _lambdaXNext.AsSpan(i * n, n));
        }

        if (_bankInputGrad is null)
        {
            Current.Bank.StepBatchBackward(_lambdaX.AsSpan(0, _size * n), _lambdaXNext.AsSpan(0, _size * n), lambdaUSource, n);
        }
        else
        {
            // Through the activity σ((u − θ)/k): dσ/du = σ(1 − σ)/k.
            Array.Clear(_bankInputGrad, 0, n);
            Current.Bank.StepBatchBackward(_lambdaX.AsSpan(0, _size * n), _lambdaXNext.AsSpan(0, _size * n), _bankInputGrad.AsSpan(0, n), n);
            for (int b = 0; b < n; b++)
            {
                float a = Current.Spec.Drive(uSource[b]);
                lambdaUSource[b] += _bankInputGrad[b] * a * (1f - a) / (float)Current.Spec.ActivitySlopeMv;
            }
        }

        (_lambdaX, _lambdaXNext) = (_lambdaXNext, _lambdaX);
    }

    public void AddTo(Parameter initial, int[] shots, int n, bool[] continues)
    {
        _chunk.AddTo();

        for (int b = 0; b < n; b++)
        {
            int row = shots[b] * _size;
            for (int i = 0; i < _size; i++) { initial.Grad[row + i] += _lambdaX[i * n + b]; }
            if (continues[shots[b]])
            {
                for (int i = 0; i < _size; i++) { initial.Grad[row + _size + i] += _nextGradX[i * n + b]; }
            }
        }
    }
}
