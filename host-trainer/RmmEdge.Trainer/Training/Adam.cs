using System.Numerics;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Adam (Kingma &amp; Ba 2015) with bias correction, as Flux implements it: m ← β₁m + (1−β₁)g,
/// v ← β₂v + (1−β₂)g², θ ← θ − η·m̂/(√v̂ + ε). Reads each parameter's Grad, updates its Value.
/// </summary>
public sealed class Adam
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _m;
    private readonly float[][] _v;
    private int _t;

    public Adam(IEnumerable<Parameter> parameters, float learningRate, float beta1, float beta2, float epsilon = 1e-8f)
    {
        _parameters = parameters.ToArray();
        _m = _parameters.Select(p => new float[p.Size]).ToArray();
        _v = _parameters.Select(p => new float[p.Size]).ToArray();
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public float LearningRate { get; set; }

    public float Beta1 { get; }

    public float Beta2 { get; }

    public float Epsilon { get; }

    /// <summary>Parameters longer than this (multiple shooting's shot states) are updated in slices on every core.</summary>
    private const int ParallelSlice = 1 << 16;

    public void Step()
    {
        _t++;
        float c1 = 1f - MathF.Pow(Beta1, _t), c2 = 1f - MathF.Pow(Beta2, _t);
        float step = LearningRate * MathF.Sqrt(c2) / c1;
        float epsilon = Epsilon * MathF.Sqrt(c2);
        for (int p = 0; p < _parameters.Length; p++)
        {
            float[] value = _parameters[p].Value, grad = _parameters[p].Grad, m = _m[p], v = _v[p];
            if (value.Length <= ParallelSlice)
            {
                Update(value, grad, m, v, 0, value.Length, step, epsilon);
                continue;
            }

            // Element by element, so the slices give the same values whatever the core count.
            int slices = (value.Length + ParallelSlice - 1) / ParallelSlice;
            Parallel.For(0, slices, s => Update(value, grad, m, v, s * ParallelSlice, Math.Min(value.Length, (s + 1) * ParallelSlice), step, epsilon));
        }
    }

    /// <summary>
    /// The update of elements [from, to): several at a time, each lane with the scalar loop's operations
    /// in its order (no fused multiply-add; the vector square root and division are IEEE-exact as
    /// MathF's are), so every value is the scalar definition's bit for bit.
    /// </summary>
    private void Update(float[] value, float[] grad, float[] m, float[] v, int from, int to, float step, float epsilon)
    {
        int i = from;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(Beta1);
            var b2 = new Vector<float>(Beta2);
            var a1 = new Vector<float>(1f - Beta1);
            var a2 = new Vector<float>(1f - Beta2);
            var rate = new Vector<float>(step);
            var eps = new Vector<float>(epsilon);
            for (; i + Vector<float>.Count <= to; i += Vector<float>.Count)
            {
                var g = new Vector<float>(grad, i);
                Vector<float> mi = b1 * new Vector<float>(m, i) + a1 * g;
                Vector<float> vi = b2 * new Vector<float>(v, i) + a2 * g * g;
                mi.CopyTo(m, i);
                vi.CopyTo(v, i);
                (new Vector<float>(value, i) - rate * mi / (Vector.SquareRoot(vi) + eps)).CopyTo(value, i);
            }
        }

        for (; i < to; i++)
        {
            float g = grad[i];
            m[i] = Beta1 * m[i] + (1f - Beta1) * g;
            v[i] = Beta2 * v[i] + (1f - Beta2) * g * g;
            value[i] -= step * m[i] / (MathF.Sqrt(v[i]) + epsilon);
        }
    }
}
