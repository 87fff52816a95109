using RmmEdge.Trainer.Numerics;

namespace RmmEdge.Trainer.Model;

/// <summary>
/// Forward and backward passes of one <see cref="Mlp"/> over a chunk of samples (feature-major),
/// with its own activation caches and its own gradient accumulators (one per training partition, so
/// partitions never share memory). Allocation-free after construction.
/// </summary>
internal sealed class MlpChunk
{
    private readonly Mlp _mlp;
    private readonly float[][] _outputs;   // post-activation of each layer, Out × chunk
    private readonly float[] _deltaA;
    private readonly float[] _deltaB;

    public MlpChunk(Mlp mlp, int capacity)
    {
        _mlp = mlp;
        _outputs = mlp.Layers.Select(l => new float[l.Out * capacity]).ToArray();
        int widest = mlp.Layers.Max(l => Math.Max(l.In, l.Out));
        _deltaA = new float[widest * capacity];
        _deltaB = new float[widest * capacity];
        WeightGrads = mlp.Layers.Select(l => new float[l.In * l.Out]).ToArray();
        BiasGrads = mlp.Layers.Select(l => new float[l.Out]).ToArray();
    }

    /// <summary>Gradient accumulators with respect to the effective weights, per layer.</summary>
    public float[][] WeightGrads { get; }

    public float[][] BiasGrads { get; }

    public void ClearGradients()
    {
        foreach (float[] g in WeightGrads) { Array.Clear(g); }
        foreach (float[] g in BiasGrads) { Array.Clear(g); }
    }

    /// <summary>Runs the chunk z (In × n); returns the output row (1 × n), valid until the next call.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> z, int n)
    {
        ReadOnlySpan<float> input = z;
        for (int l = 0; l < _mlp.Layers.Length; l++)
        {
            DenseLayer layer = _mlp.Layers[l];
            Span<float> y = _outputs[l].AsSpan(0, layer.Out * n);
            DenseKernels.Forward(layer.Effective, layer.Bias?.Value ?? default, layer.In, layer.Out, input, n, y);
            DenseLayer.Activate(layer.Activation, y);
            input = y;
        }

        return _outputs[^1].AsSpan(0, n);
    }

    /// <summary>
    /// Accumulates gradients for dLoss/dOutput = <paramref name="dOut"/> (1 × n); needs the Forward of
    /// the same chunk. When <paramref name="dInput"/> is given (In × n) it receives dLoss/dz, for
    /// back-propagation through time.
    /// </summary>
    public void Backward(ReadOnlySpan<float> z, ReadOnlySpan<float> dOut, int n, Span<float> dInput = default)
    {
        Span<float> delta = _deltaA.AsSpan(0, n);
        dOut[..n].CopyTo(delta);
        float[] current = _deltaA, other = _deltaB;
        for (int l = _mlp.Layers.Length - 1; l >= 0; l--)
        {
            DenseLayer layer = _mlp.Layers[l];
            Span<float> d = current.AsSpan(0, layer.Out * n);
            DenseLayer.MultiplyByDerivative(layer.Activation, _outputs[l].AsSpan(0, layer.Out * n), d);
            ReadOnlySpan<float> input = l == 0 ? z : _outputs[l - 1].AsSpan(0, layer.In * n);
            DenseKernels.AccumulateGradients(d, input, layer.In, layer.Out, n, WeightGrads[l],
                layer.Bias is null ? Span<float>.Empty : BiasGrads[l]);
            if (l > 0)
            {
                DenseKernels.BackwardInput(layer.Effective, layer.In, layer.Out, d, n, other.AsSpan(0, layer.In * n));
                (current, other) = (other, current);
            }
            else if (!dInput.IsEmpty)
            {
                DenseKernels.BackwardInput(layer.Effective, layer.In, layer.Out, d, n, dInput[..(layer.In * n)]);
            }
        }
    }

    /// <summary>Adds this partition's gradients into the layers' parameter gradients (effective-weight space).</summary>
    public void AddTo()
    {
        for (int l = 0; l < _mlp.Layers.Length; l++)
        {
            DenseLayer layer = _mlp.Layers[l];
            Add(WeightGrads[l], layer.Weights.Grad);
            if (layer.Bias is not null)
            {
                Add(BiasGrads[l], layer.Bias.Grad);
            }
        }
    }

    private static void Add(float[] source, float[] destination)
    {
        for (int i = 0; i < source.Length; i++) { destination[i] += source[i]; }
    }
}
