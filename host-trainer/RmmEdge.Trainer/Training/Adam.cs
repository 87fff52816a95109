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

    public void Step()
    {
        _t++;
        float c1 = 1f - MathF.Pow(Beta1, _t), c2 = 1f - MathF.Pow(Beta2, _t);
        float step = LearningRate * MathF.Sqrt(c2) / c1;
        for (int p = 0; p < _parameters.Length; p++)
        {
            float[] value = _parameters[p].Value, grad = _parameters[p].Grad, m = _m[p], v = _v[p];
            for (int i = 0; i < value.Length; i++)
            {
                float g = grad[i];
                m[i] = Beta1 * m[i] + (1f - Beta1) * g;
                v[i] = Beta2 * v[i] + (1f - Beta2) * g * g;
                value[i] -= step * m[i] / (MathF.Sqrt(v[i]) + Epsilon * MathF.Sqrt(c2));
            }
        }
    }
}
