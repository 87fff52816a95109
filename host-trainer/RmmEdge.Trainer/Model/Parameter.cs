namespace RmmEdge.Trainer.Model;

/// <summary>
/// One trainable array and its gradient. Constrained quantities (positive conductances, capacitance)
/// are stored unconstrained and mapped by softplus where they are used, so the optimiser never has to
/// respect bounds. <see cref="L2"/> is this array's weight in the ridge penalty ρ·Σ L2·‖value‖².
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, int size, float l2 = 0f)
    {
        Name = name;
        Value = new float[size];
        Grad = new float[size];
        L2 = l2;
    }

    public string Name { get; }

    public float[] Value { get; }

    public float[] Grad { get; }

    public float L2 { get; }

    public int Size => Value.Length;
}

/// <summary>softplus(x) = ln(1 + e^x), positive and smooth; its derivative is the logistic sigmoid.</summary>
public static class Softplus
{
    public static float Value(float x) => x > 20f ? x : MathF.Log(1f + MathF.Exp(x));

    public static float Derivative(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>The x with softplus(x) = y (y &gt; 0).</summary>
    public static float Inverse(float y) => y > 20f ? y : MathF.Log(MathF.Exp(y) - 1f);
}
