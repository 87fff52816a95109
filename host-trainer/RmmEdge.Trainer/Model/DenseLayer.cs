using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Model;

public enum Activation { Identity, Tanh, Sigmoid }

/// <summary>
/// Sign constraint on a layer's weights, as in the authors' `Positive`/`Negative` layers: the
/// effective weight is +softplus(raw) or −softplus(raw). A stack of positive (or negative first, then
/// positive) layers with monotone activations gives a monotone increasing (decreasing) function.
/// </summary>
public enum WeightSign { Free, Positive, Negative }

/// <summary>
/// y = act(W·x + b) with W of shape (Out × In), row-major. Raw weights live in <see cref="Weights"/>;
/// <see cref="Effective"/> holds the weights actually used (after the sign constraint) and is
/// refreshed by <see cref="RefreshEffective"/> after every optimiser step.
/// </summary>
public sealed class DenseLayer
{
    public DenseLayer(string name, int inSize, int outSize, Activation activation, WeightSign sign, bool hasBias, float l2)
    {
        In = inSize;
        Out = outSize;
        Activation = activation;
        Sign = sign;
        Weights = new Parameter(name + ".W", inSize * outSize, l2);
        Bias = hasBias ? new Parameter(name + ".b", outSize) : null;
        Effective = new float[inSize * outSize];
        EffectiveByInput = new float[inSize * outSize];
    }

    public int In { get; }

    public int Out { get; }

    public Activation Activation { get; }

    public WeightSign Sign { get; }

    public Parameter Weights { get; }

    public Parameter? Bias { get; }

    public float[] Effective { get; }

    /// <summary><see cref="Effective"/> transposed, [k * Out + j]: the weights of input k to every output side by side.</summary>
    public float[] EffectiveByInput { get; }

    public IEnumerable<Parameter> Parameters => Bias is null ? [Weights] : [Weights, Bias];

    public void RefreshEffective()
    {
        float[] raw = Weights.Value;
        switch (Sign)
        {
            case WeightSign.Free:
                raw.CopyTo(Effective, 0);
                break;
            case WeightSign.Positive:
                for (int i = 0; i < raw.Length; i++) { Effective[i] = Softplus.Value(raw[i]); }
                break;
            case WeightSign.Negative:
                for (int i = 0; i < raw.Length; i++) { Effective[i] = -Softplus.Value(raw[i]); }
                break;
        }

        for (int j = 0; j < Out; j++)
        {
            for (int k = 0; k < In; k++) { EffectiveByInput[k * Out + j] = Effective[j * In + k]; }
        }
    }

    /// <summary>
    /// One sample, before the activation: y[j] = b[j] + W[j,0]·x[0] + W[j,1]·x[1] + … summed in that order,
    /// each product rounded and then added (no fused multiply-add), as the scalar loop at the end defines it.
    /// The vector path forms eight or four outputs side by side from <see cref="EffectiveByInput"/>, each lane
    /// doing exactly the scalar sequence, so the result is bit-identical and the free run's long chain of
    /// dependent additions is broken across outputs instead of reordered within one.
    /// </summary>
    public void ForwardOne(ReadOnlySpan<float> x, Span<float> y)
    {
        float[]? bias = Bias?.Value;
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j + 8 <= Out; j += 8)
            {
                Vector256<float> acc = bias is null ? Vector256<float>.Zero : Vector256.Create<float>(bias.AsSpan(j, 8));
                for (int k = 0; k < In; k++)
                {
                    acc = Vector256.Add(acc, Vector256.Multiply(Vector256.Create(x[k]), Vector256.Create<float>(EffectiveByInput.AsSpan(k * Out + j, 8))));
                }

                acc.CopyTo(y[j..]);
            }
        }

        if (Vector128.IsHardwareAccelerated)
        {
            for (; j + 4 <= Out; j += 4)
            {
                Vector128<float> acc = bias is null ? Vector128<float>.Zero : Vector128.Create<float>(bias.AsSpan(j, 4));
                for (int k = 0; k < In; k++)
                {
                    acc = Vector128.Add(acc, Vector128.Multiply(Vector128.Create(x[k]), Vector128.Create<float>(EffectiveByInput.AsSpan(k * Out + j, 4))));
                }

                acc.CopyTo(y[j..]);
            }
        }

        // The definition, and the outputs left over.
        for (; j < Out; j++)
        {
            float acc = bias is null ? 0f : bias[j];
            int row = j * In;
            for (int k = 0; k < In; k++)
            {
                acc += Effective[row + k] * x[k];
            }

            y[j] = acc;
        }
    }

    /// <summary>Turns a gradient with respect to the effective weights (held in Weights.Grad) into one with respect to the raw weights.</summary>
    public void ChainSignConstraint()
    {
        if (Sign == WeightSign.Free)
        {
            return;
        }

        float s = Sign == WeightSign.Positive ? 1f : -1f;
        float[] raw = Weights.Value, g = Weights.Grad;
        for (int i = 0; i < raw.Length; i++)
        {
            g[i] *= s * Softplus.Derivative(raw[i]);
        }
    }

    /// <summary>In place: values = act(values).</summary>
    public static void Activate(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Tanh: FastTanh.Apply(values, values); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(values, values); break;
        }
    }

    /// <summary>In place: grad ⊙= act'(·), expressed through the activation's output y.</summary>
    public static void MultiplyByDerivative(Activation activation, ReadOnlySpan<float> y, Span<float> grad)
    {
        if (activation == Activation.Identity)
        {
            return;
        }

        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; i + Vector<float>.Count <= grad.Length; i += Vector<float>.Count)
            {
                var v = new Vector<float>(y[i..]);
                var g = new Vector<float>(grad[i..]);
                (activation == Activation.Tanh ? g * (one - v * v) : g * (v * (one - v))).CopyTo(grad[i..]);
            }
        }

        // The same operations one element at a time: the definition, and the tail.
        for (; i < grad.Length; i++)
        {
            grad[i] *= activation == Activation.Tanh ? 1f - y[i] * y[i] : y[i] * (1f - y[i]);
        }
    }

    public static float Activate(Activation activation, float x) => activation switch
    {
        Activation.Tanh => FastTanh.Of(x),
        Activation.Sigmoid => 1f / (1f + MathF.Exp(-x)),
        _ => x,
    };
}
