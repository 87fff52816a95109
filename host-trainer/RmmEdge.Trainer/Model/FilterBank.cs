using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RmmEdge.Trainer.Model;

public enum FilterKind
{
    /// <summary>Independent unit-DC-gain low-pass filters: x_i[k+1] = λ_i x_i[k] + (1 − λ_i) u[k].</summary>
    Diagonal,

    /// <summary>
    /// Cascade of first-order all-pass sections (generalised orthonormal basis functions, GOBF):
    /// section i has A = λ_i, B = C = √(1 − λ_i²), D = −λ_i, input u_i, output y_i = C x_i + D u_i feeding
    /// section i+1. The state impulse responses are mutually orthonormal (Takenaka–Malmquist basis).
    /// </summary>
    Orthonormal,
}

/// <summary>Time constants of a filter bank (ms) and its realisation.</summary>
public sealed record FilterBankSpec(FilterKind Kind, double[] TauMs)
{
    /// <summary>τ_i = first·ratio^i for i = from..to (the authors' grids, e.g. 0.05·1.3^i, i = 0..35).</summary>
    public static double[] Geometric(double first, double ratio, int from, int to) =>
        Enumerable.Range(from, to - from + 1).Select(i => first * Math.Pow(ratio, i)).ToArray();
}

/// <summary>
/// A bank of linear filters driven by one voltage: x[k+1] = A x[k] + B u[k] with poles
/// λ_i = exp(−dt/τ_i). Each state is one feature for the currents. Built from physical time constants
/// (ms) and the step dt (ms); answers its DC gains and the samples needed to forget its initial state.
/// </summary>
public sealed class FilterBank
{
    private readonly float[] _lambda;
    private readonly float[] _inGain;
    private readonly float[] _outGain;

    public FilterBank(FilterBankSpec spec, double dtMs)
    {
        if (spec.TauMs.Length == 0 || spec.TauMs.Any(t => !(t > 0)))
        {
            throw new ArgumentException("filter time constants must be positive", nameof(spec));
        }

        Spec = spec;
        DtMs = dtMs;
        Size = spec.TauMs.Length;
        _lambda = spec.TauMs.Select(t => (float)Math.Exp(-dtMs / t)).ToArray();
        _inGain = spec.Kind == FilterKind.Diagonal
            ? _lambda.Select(l => 1f - l).ToArray()
            : spec.TauMs.Select(t => (float)Math.Sqrt(1 - Math.Exp(-2 * dtMs / t))).ToArray();
        _outGain = _inGain;
    }

    public FilterBankSpec Spec { get; }

    public double DtMs { get; }

    public int Size { get; }

    public ReadOnlySpan<float> Poles => _lambda;

    /// <summary>
    /// Samples after which the slowest mode has decayed to 1% of its initial value:
    /// ⌈ln 0.01 / ln λ_max⌉ (the authors' warm-up length t₀).
    /// </summary>
    public int WarmupSamples => (int)Math.Ceiling(Math.Log(0.01) / Math.Log(_lambda.Max()));

    /// <summary>Steady-state value of each state for a constant input of 1.</summary>
    public double DcGain(int i) => Spec.Kind == FilterKind.Diagonal
        ? 1.0
        : Math.Sqrt((1 + _lambda[i]) / (1.0 - _lambda[i]));

    /// <summary>
    /// In place: state ← A·state + B·u. A diagonal bank steps several states at a time, with a separate
    /// multiply and add per lane, so every state is the scalar loop's bit for bit.
    /// </summary>
    public void Step(Span<float> state, float u)
    {
        if (Spec.Kind == FilterKind.Diagonal)
        {
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                var input = new Vector<float>(u);
                for (; i + Vector<float>.Count <= Size; i += Vector<float>.Count)
                {
                    Vector<float> x = new Vector<float>(_lambda.AsSpan(i)) * new Vector<float>(state[i..]);
                    (x + new Vector<float>(_inGain.AsSpan(i)) * input).CopyTo(state[i..]);
                }
            }

            for (; i < Size; i++)
            {
                state[i] = _lambda[i] * state[i] + _inGain[i] * u;
            }

            return;
        }

        // Cascade: the output of section i (from its old state) is the input of section i + 1.
        float ui = u;
        for (int i = 0; i < Size; i++)
        {
            float old = state[i];
            float yi = _outGain[i] * old - _lambda[i] * ui;
            state[i] = _lambda[i] * old + _inGain[i] * ui;
            ui = yi;
        }
    }

    /// <summary>
    /// <see cref="Step"/> for n independent copies at once (multiple shooting): state is feature-major
    /// (Size × n, state[i * n + b]), u holds one input per copy.
    /// </summary>
    public void StepBatch(Span<float> state, ReadOnlySpan<float> u, int n) => StepBatch(state, state, u, n);

    /// <summary>
    /// <see cref="StepBatch(Span{float}, ReadOnlySpan{float}, int)"/> from <paramref name="state"/> into
    /// <paramref name="next"/> (the same span, or one that does not overlap it): the states are the in-place
    /// step's bit for bit, without a copy of the old ones first.
    /// </summary>
    public void StepBatch(ReadOnlySpan<float> state, Span<float> next, ReadOnlySpan<float> u, int n)
    {
        if (state.Length < Size * n || next.Length < Size * n || u.Length < n)
        {
            throw new ArgumentException($"StepBatch of {n} copies needs {Size * n} states and {n} inputs, got {state.Length}, {next.Length} and {u.Length}");
        }

        if (Spec.Kind == FilterKind.Diagonal)
        {
            for (int i = 0; i < Size; i++)
            {
                ReadOnlySpan<float> x = state.Slice(i * n, n);
                Span<float> y = next.Slice(i * n, n);
                float l = _lambda[i], g = _inGain[i];
                for (int c = 0; c < n; c++) { y[c] = l * x[c] + g * u[c]; }
            }

            return;
        }

        // The cascade is a chain through its sections, a multiply and a subtract deep each, so one copy
        // waits on latency. The copies are independent: a vector of lanes walks the sections with its
        // carried input in a register, each lane with the scalar order of operations (no fused
        // multiply-add), so every lane is Step's bit for bit.
        int b = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            ref float x0 = ref MemoryMarshal.GetReference(state);
            ref float y0 = ref MemoryMarshal.GetReference(next);
            for (; b + 2 * w <= n; b += 2 * w)
            {
                // Two vectors of lanes at once: two independent chains keep the multipliers busy.
                var ui = new Vector<float>(u[b..]);
                var uj = new Vector<float>(u[(b + w)..]);
                for (int i = 0; i < Size; i++)
                {
                    ref float at = ref Unsafe.Add(ref x0, i * n + b);
                    ref float to = ref Unsafe.Add(ref y0, i * n + b);
                    Vector<float> old = Vector.LoadUnsafe(ref at), oldj = Vector.LoadUnsafe(ref Unsafe.Add(ref at, w));
                    Vector<float> lambda = new(_lambda[i]), inGain = new(_inGain[i]), outGain = new(_outGain[i]);
                    (old * lambda + ui * inGain).StoreUnsafe(ref to);
                    (oldj * lambda + uj * inGain).StoreUnsafe(ref Unsafe.Add(ref to, w));
                    ui = old * outGain - ui * lambda;
                    uj = oldj * outGain - uj * lambda;
                }
            }

            for (; b + w <= n; b += w)
            {
                var ui = new Vector<float>(u[b..]);
                for (int i = 0; i < Size; i++)
                {
                    Vector<float> old = Vector.LoadUnsafe(ref Unsafe.Add(ref x0, i * n + b));
                    Vector<float> lambda = new(_lambda[i]);
                    (old * lambda + ui * new Vector<float>(_inGain[i])).StoreUnsafe(ref Unsafe.Add(ref y0, i * n + b));
                    ui = old * new Vector<float>(_outGain[i]) - ui * lambda;
                }
            }
        }

        for (; b < n; b++)
        {
            float ui = u[b];
            for (int i = 0; i < Size; i++)
            {
                float old = state[i * n + b];
                float yi = _outGain[i] * old - _lambda[i] * ui;
                next[i * n + b] = _lambda[i] * old + _inGain[i] * ui;
                ui = yi;
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="StepBatch"/>: from dLoss/dx[k+1] (<paramref name="gradNext"/>, Size × n)
    /// adds dLoss/dx[k] into <paramref name="gradState"/> and dLoss/du[k] into <paramref name="gradInput"/>.
    /// </summary>
    public void StepBatchBackward(ReadOnlySpan<float> gradNext, Span<float> gradState, Span<float> gradInput, int n)
    {
        if (gradNext.Length < Size * n || gradState.Length < Size * n || gradInput.Length < n)
        {
            throw new ArgumentException($"StepBatchBackward of {n} copies needs {Size * n} state gradients and {n} input gradients");
        }

        if (Spec.Kind == FilterKind.Diagonal)
        {
            for (int i = 0; i < Size; i++)
            {
                ReadOnlySpan<float> gn = gradNext.Slice(i * n, n);
                Span<float> gs = gradState.Slice(i * n, n);
                float l = _lambda[i], g = _inGain[i];
                for (int c = 0; c < n; c++)
                {
                    gs[c] += l * gn[c];
                    gradInput[c] += g * gn[c];
                }
            }

            return;
        }

        // Section i: x' = λ x + B u_i, y_i = C x − λ u_i, and y_i is the input u_(i+1) of the next
        // section; walk the cascade backwards carrying dLoss/dy_i. As in StepBatch, a vector of lanes
        // walks together, each lane with the scalar order of operations.
        int b = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            ref float next0 = ref MemoryMarshal.GetReference(gradNext);
            ref float state0 = ref MemoryMarshal.GetReference(gradState);
            for (; b + w <= n; b += w)
            {
                Vector<float> gy = Vector<float>.Zero;
                for (int i = Size - 1; i >= 0; i--)
                {
                    Vector<float> gn = Vector.LoadUnsafe(ref next0, (nuint)(i * n + b));
                    ref float gs = ref Unsafe.Add(ref state0, i * n + b);
                    Vector<float> lambda = new(_lambda[i]);
                    (Vector.LoadUnsafe(ref gs) + (lambda * gn + new Vector<float>(_outGain[i]) * gy)).StoreUnsafe(ref gs);
                    gy = new Vector<float>(_inGain[i]) * gn - lambda * gy;
                }

                (new Vector<float>(gradInput[b..]) + gy).CopyTo(gradInput[b..]);
            }
        }

        for (; b < n; b++)
        {
            float gy = 0f;
            for (int i = Size - 1; i >= 0; i--)
            {
                float gn = gradNext[i * n + b];
                gradState[i * n + b] += _lambda[i] * gn + _outGain[i] * gy;
                gy = _inGain[i] * gn - _lambda[i] * gy;
            }

            gradInput[b] += gy;
        }
    }

    /// <summary>The state the bank settles to under a constant input u.</summary>
    public void SteadyState(float u, Span<float> state)
    {
        for (int i = 0; i < Size; i++)
        {
            state[i] = (float)(DcGain(i) * u);
        }
    }

    /// <summary>
    /// Runs the bank over a whole input trace from its steady state at u[0]; writes states sample-major
    /// into destination[k * Size + i] (state before the update with u[k], i.e. x[k]).
    /// </summary>
    public void Run(ReadOnlySpan<float> u, Span<float> destination)
    {
        Span<float> x = stackalloc float[Size];
        SteadyState(u[0], x);
        for (int k = 0; k < u.Length; k++)
        {
            x.CopyTo(destination.Slice(k * Size, Size));
            Step(x, u[k]);
        }
    }
}
