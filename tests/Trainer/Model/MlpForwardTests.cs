using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.Trainer.Tests.Model;

public sealed class MlpForwardTests
{
    /// <summary>
    /// The one-sample forward pass of the free run (eight or four outputs per vector) equals, bit for bit,
    /// the scalar definition: for each output, the bias plus each product in input order, no fused
    /// multiply-add. Widths cover the vector paths, their tails and the single output; weights are free,
    /// positive and negative; inputs span the normalised range and beyond.
    /// </summary>
    [Theory]
    [InlineData(37, new[] { 20, 20, 20 }, WeightSign.Free, Activation.Tanh)]
    [InlineData(22, new[] { 10, 10 }, WeightSign.Free, Activation.Tanh)]
    [InlineData(9, new[] { 3, 13, 7 }, WeightSign.Free, Activation.Tanh)]
    [InlineData(16, new[] { 10 }, WeightSign.Positive, Activation.Sigmoid)]
    [InlineData(5, new[] { 33, 1 }, WeightSign.Negative, Activation.Sigmoid)]
    public void TheFreeRunsForwardPassIsTheScalarDefinitionBitForBit(int inputs, int[] hidden, WeightSign sign, Activation activation)
    {
        var random = new Random(inputs * 31 + hidden.Length);
        var mlp = new Mlp("m", inputs, new MlpSpec(hidden, activation, FirstSign: sign, RestSign: sign == WeightSign.Free ? WeightSign.Free : WeightSign.Positive, OutputBias: true),
            l2: 0, random);
        foreach (DenseLayer layer in mlp.Layers)
        {
            // Spread the weights over several binades so that rounding differences would show.
            float[] raw = layer.Weights.Value;
            for (int i = 0; i < raw.Length; i++) { raw[i] *= MathF.Pow(2, random.Next(-6, 4)); }
            if (layer.Bias is { } bias) { for (int j = 0; j < bias.Size; j++) { bias.Value[j] = 3f * (random.NextSingle() - 0.5f); } }
            layer.RefreshEffective();
        }

        float[] scratch = new float[2 * mlp.MaxWidth];
        float[] x = new float[inputs];
        for (int trial = 0; trial < 2000; trial++)
        {
            for (int k = 0; k < inputs; k++) { x[k] = 2.5f * (2f * random.NextSingle() - 1f); }
            float fast = mlp.Evaluate(x, scratch);
            float reference = Reference(mlp, x);
            Assert.Equal(BitConverter.SingleToInt32Bits(reference), BitConverter.SingleToInt32Bits(fast));
        }
    }

    /// <summary>
    /// On a grid (fixed-drift's float model on the kernel's roundings) the forward pass is the scalar definition with
    /// the inputs rounded to the input step and each hidden pre-activation to the table's step (twice it for a
    /// sigmoid, whose table takes x/2), bit for bit; and the grid moves the output, so it is applied.
    /// </summary>
    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void OnAGridTheForwardPassRoundsItsInputsAndPreActivations(Activation activation)
    {
        var random = new Random(5);
        var mlp = new Mlp("m", 12, new MlpSpec([10, 10], activation, OutputBias: true), l2: 0, random);
        var grid = new MlpGrid(1f / 64, 1f / 32);
        float[] scratch = new float[2 * mlp.MaxWidth];
        float[] x = new float[12];
        int moved = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            for (int k = 0; k < x.Length; k++) { x[k] = 2f * random.NextSingle() - 1f; }
            mlp.Grid = MlpGrid.Exact;
            float exact = mlp.Evaluate(x, scratch);
            mlp.Grid = grid;
            float gridded = mlp.Evaluate(x, scratch);
            Assert.Equal(BitConverter.SingleToInt32Bits(Reference(mlp, x, grid)), BitConverter.SingleToInt32Bits(gridded));
            moved += gridded != exact ? 1 : 0;
        }

        Assert.True(moved > 150, $"the grid moved the output on {moved} of 200 inputs");
    }

    private static float Round(float value, float step) => step > 0 ? MathF.Round(value / step) * step : value;

    private static float Reference(Mlp mlp, float[] input, MlpGrid grid = default)
    {
        float[] a = input.Select(x => Round(x, grid.Input)).ToArray();
        foreach (DenseLayer layer in mlp.Layers)
        {
            float[] y = new float[layer.Out];
            for (int j = 0; j < layer.Out; j++)
            {
                float acc = layer.Bias is null ? 0f : layer.Bias.Value[j];
                for (int k = 0; k < layer.In; k++)
                {
                    float product = layer.Effective[j * layer.In + k] * a[k];
                    acc += product;
                }

                float step = layer.Activation switch { Activation.Tanh => grid.PreActivation, Activation.Sigmoid => 2 * grid.PreActivation, _ => 0 };
                y[j] = DenseLayer.Activate(layer.Activation, Round(acc, step));
            }

            a = y;
        }

        return a[0];
    }
}
