using System.Numerics;
using System.Numerics.Tensors;
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
    }

    public int In { get; }

    public int Out { get; }

    public Activation Activation { get; }

    public WeightSign Sign { get; }

    public Parameter Weights { get; }

    public Parameter? Bias { get; }

    public float[] Effective { get; }

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
