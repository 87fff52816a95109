using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Model;

/// <summary>Describes a multilayer perceptron: hidden widths, activation, sign constraints.</summary>
/// <param name="Hidden">Widths of the hidden layers, e.g. [10, 10, 10].</param>
/// <param name="HiddenActivation">Activation of every hidden layer (the output layer is linear).</param>
/// <param name="FirstSign">Sign constraint of the first layer (Positive/Negative for monotone gating functions).</param>
/// <param name="RestSign">Sign constraint of the later layers.</param>
/// <param name="OutputBias">Whether the output layer has a bias (the authors' lumped currents have none).</param>
public sealed record MlpSpec(int[] Hidden, Activation HiddenActivation = Activation.Tanh,
    WeightSign FirstSign = WeightSign.Free, WeightSign RestSign = WeightSign.Free, bool OutputBias = false);

/// <summary>
/// Steps to which an MLP's float evaluation rounds its inputs and its hidden layers' pre-activations (0: exact):
/// the float model on the compiled model's grids (Q0.15 normalised inputs, the activation table's Q4.11 input), so
/// that `RmmEdge.Bench fixed-drift` can tell which rounding moves a free run. Training never sets it.
/// </summary>
public readonly record struct MlpGrid(float Input, float PreActivation)
{
    public static MlpGrid Exact => default;
}

/// <summary>
/// A multilayer perceptron (MLP) with one output. Initialised as the authors do: Nguyen–Widrow
/// hidden weights with biases spread linearly over [−β, β]; small random output weights.
/// </summary>
public sealed class Mlp
{
    public Mlp(string name, int inputSize, MlpSpec spec, float l2, Random random)
    {
        var layers = new List<DenseLayer>();
        int inSize = inputSize;
        for (int l = 0; l < spec.Hidden.Length; l++)
        {
            layers.Add(new DenseLayer($"{name}.L{l}", inSize, spec.Hidden[l], spec.HiddenActivation,
                l == 0 ? spec.FirstSign : spec.RestSign, hasBias: true, l2));
            inSize = spec.Hidden[l];
        }

        layers.Add(new DenseLayer($"{name}.out", inSize, 1, Activation.Identity,
            spec.Hidden.Length == 0 ? spec.FirstSign : spec.RestSign, spec.OutputBias, l2));
        Layers = layers.ToArray();
        InputSize = inputSize;
        Initialise(random);
    }

    public DenseLayer[] Layers { get; }

    public int InputSize { get; }

    /// <summary>The rounding of <see cref="Evaluate"/>'s inputs and pre-activations (exact unless set; see <see cref="MlpGrid"/>).</summary>
    public MlpGrid Grid { get; set; }

    /// <summary>Widest layer, for scratch sizing.</summary>
    public int MaxWidth => Math.Max(InputSize, Layers.Max(l => l.Out));

    public IEnumerable<Parameter> Parameters => Layers.SelectMany(l => l.Parameters);

    public void RefreshEffective()
    {
        foreach (DenseLayer l in Layers)
        {
            l.RefreshEffective();
        }
    }

    /// <summary>One sample, for simulation: scratch must hold 2·MaxWidth floats. Uses the effective weights.</summary>
    public float Evaluate(ReadOnlySpan<float> input, Span<float> scratch)
    {
        int width = MaxWidth;
        Span<float> a = scratch[..width], b = scratch.Slice(width, width);
        input.CopyTo(a);
        RoundTo(a[..InputSize], Grid.Input);
        foreach (DenseLayer layer in Layers)
        {
            Span<float> y = b[..layer.Out];
            layer.ForwardOne(a[..layer.In], y);
            // The kernel's table takes x (tanh) or x/2 (sigmoid) on its grid.
            RoundTo(y, layer.Activation switch { Activation.Tanh => Grid.PreActivation, Activation.Sigmoid => 2 * Grid.PreActivation, _ => 0 });
            if (layer.Activation == Activation.Tanh)
            {
                FastTanh.Apply(y, y);   // bit for bit FastTanh.Of on each, several at once
            }
            else
            {
                for (int j = 0; j < y.Length; j++) { y[j] = DenseLayer.Activate(layer.Activation, y[j]); }
            }

            Span<float> t = a;
            a = b;
            b = t;
        }

        return a[0];
    }

    private static void RoundTo(Span<float> values, float step)
    {
        if (step > 0)
        {
            for (int i = 0; i < values.Length; i++) { values[i] = MathF.Round(values[i] / step) * step; }
        }
    }

    private void Initialise(Random random)
    {
        foreach (DenseLayer layer in Layers)
        {
            float[] raw = layer.Weights.Value;
            bool isOutput = layer == Layers[^1];
            if (isOutput)
            {
                float scale = 1f / MathF.Sqrt(layer.In);
                for (int i = 0; i < raw.Length; i++) { raw[i] = scale * (2f * random.NextSingle() - 1f); }
            }
            else
            {
                // Nguyen–Widrow: each row has norm β = 0.7·H^(1/n); biases spread over [−β, β].
                float beta = 0.7f * MathF.Pow(layer.Out, 1f / layer.In);
                for (int j = 0; j < layer.Out; j++)
                {
                    float norm = 0f;
                    for (int k = 0; k < layer.In; k++)
                    {
                        float v = random.NextSingle() - 0.5f;
                        raw[j * layer.In + k] = v;
                        norm += v * v;
                    }

                    norm = MathF.Sqrt(norm);
                    for (int k = 0; k < layer.In; k++) { raw[j * layer.In + k] *= beta / norm; }
                    layer.Bias!.Value[j] = layer.Out == 1 ? 0f : beta * (-1f + 2f * j / (layer.Out - 1));
                }
            }

            if (layer.Sign != WeightSign.Free)
            {
                // Constrained layers start with effective weights of the same magnitudes.
                for (int i = 0; i < raw.Length; i++) { raw[i] = Softplus.Inverse(MathF.Max(MathF.Abs(raw[i]), 1e-3f)); }
            }

            layer.RefreshEffective();
        }
    }
}
