using MathNet.Numerics.LinearAlgebra;
using RmmEdge.Rig.Numerics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Bench;

/// <summary>
/// What a model's own inputs can tell about a cell's slow dynamics, whatever training made of them: the least-squares
/// affine function of [v, every bank state] for dv/dt − I/C on the slow samples (<see cref="SlowSamples"/>) of the
/// training record, C the cell's own capacitance, so that injected current acts as it does in the cell. Its RMS error
/// is the floor of any model whose currents are affine in these inputs on those samples. The constraint matters: with
/// the injected current free, a readout of the same inputs reaches a far lower error by following the voltage's recent
/// slope (which filters of v carry), and that is a one-step predictor, not a membrane equation a free run can follow.
/// With <c>randomFeatures</c> &gt; 0 the readout also has that many fixed random tanh units of the standardised inputs
/// (weights N(0, 1/d), biases N(0, 1), seed 1): a nonlinear function of the same inputs, fitted the same way, so the
/// question "do the inputs carry it" is not answered by what one affine map can do.
/// </summary>
internal sealed class SlowReadout
{
    /// <summary>Ridge on the standardised inputs, per sample: small enough not to hide a direction the data pins.</summary>
    private const double Ridge = 1e-3;

    /// <summary>At most this many slow samples (evenly strided) enter the least-squares fit.</summary>
    private const int MaxFitRows = 60_000;

    private readonly double[] _mean, _scale;
    private readonly Matrix<double> _unitWeights;
    private readonly double[] _unitBiases;
    private Vector<double> _coefficients = null!;

    private SlowReadout(double[] mean, double[] scale, int randomFeatures)
    {
        _mean = mean;
        _scale = scale;
        int d = mean.Length;
        var random = new Random(1);
        _unitWeights = Matrix<double>.Build.Dense(randomFeatures, d, (_, _) => random.NextGaussian() / Math.Sqrt(d));
        _unitBiases = Enumerable.Range(0, randomFeatures).Select(_ => random.NextGaussian()).ToArray();
    }

    /// <summary>The slow samples of one record as a readout sees them: its inputs and its target per sample.</summary>
    public sealed record Samples(List<double[]> Rows, List<double> Targets);

    /// <summary>Fits a readout on <paramref name="train"/> (the training record's <see cref="Collect"/>).</summary>
    public static SlowReadout Fit(Samples train, int randomFeatures = 0)
    {
        List<double[]> rows = train.Rows;
        int d = rows[0].Length;
        double[] mean = new double[d], scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = rows.Average(r => r[j]);
            double sd = Math.Sqrt(rows.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            scale[j] = sd > 0 ? 1 / sd : 0;
        }

        var readout = new SlowReadout(mean, scale, randomFeatures);
        int stride = Math.Max(1, rows.Count / MaxFitRows);
        int[] used = Enumerable.Range(0, rows.Count / stride).Select(i => i * stride).ToArray();
        var phi = Matrix<double>.Build.Dense(used.Length, readout.FeatureCount);
        double[] row = new double[readout.FeatureCount];
        for (int i = 0; i < used.Length; i++)
        {
            readout.Features(rows[used[i]], row);
            phi.SetRow(i, row);
        }

        Matrix<double> normal = phi.TransposeThisAndMultiply(phi);
        for (int i = 0; i < normal.RowCount; i++) { normal[i, i] += Ridge * used.Length; }
        readout._coefficients = normal.Cholesky().Solve(phi.TransposeThisAndMultiply(Vector<double>.Build.Dense(used.Select(k => train.Targets[k]).ToArray())));
        return readout;
    }

    /// <summary>RMS error (mV/ms) of the readout on <paramref name="data"/> (a record's <see cref="Collect"/>), one sample at a time.</summary>
    public double Rms(Samples data)
    {
        double[] phi = new double[FeatureCount];
        double sum = 0;
        for (int k = 0; k < data.Rows.Count; k++)
        {
            Features(data.Rows[k], phi);
            double prediction = 0;
            for (int i = 0; i < phi.Length; i++) { prediction += _coefficients[i] * phi[i]; }
            sum += (prediction - data.Targets[k]) * (prediction - data.Targets[k]);
        }

        return Math.Sqrt(sum / data.Rows.Count);
    }

    private int FeatureCount => 1 + _mean.Length + _unitBiases.Length;

    /// <summary>One sample's features: [1, the standardised inputs, the random tanh units of them].</summary>
    private void Features(double[] inputs, double[] phi)
    {
        int d = _mean.Length;
        phi[0] = 1;
        for (int j = 0; j < d; j++) { phi[1 + j] = (inputs[j] - _mean[j]) * _scale[j]; }
        for (int u = 0; u < _unitBiases.Length; u++)
        {
            double a = _unitBiases[u];
            for (int j = 0; j < d; j++) { a += _unitWeights[u, j] * phi[1 + j]; }
            phi[1 + d + u] = Math.Tanh(a);
        }
    }

    /// <summary>
    /// Per slow sample of <paramref name="data"/> after the warm-up (a single neuron): [v, every bank state] at k, teacher
    /// forced, and the target (v[k+1] − v[k]) / dt − I[k]/C. One pass serves every readout fitted or judged on the record.
    /// </summary>
    public static Samples Collect(Network network, Dataset data, double capacitanceNf)
    {
        float[] v = data.Neurons[0].V, current = data.Neurons[0].I;
        float dt = (float)data.DtMs;
        var runner = new NetworkRunner(network);
        runner.Reset([v[0]]);
        int states = runner.Currents.Sum(c => c.Bank.Size);
        var rows = new List<double[]>();
        var targets = new List<double>();
        for (int k = 0; k + 1 < v.Length; k++)
        {
            if (k >= network.WarmupSamples && SlowSamples.Is(v, k, data.DtMs))
            {
                double[] row = new double[1 + states];
                row[0] = v[k];
                int o = 1;
                for (int c = 0; c < runner.Currents.Length; c++)
                {
                    foreach (float s in runner.BankState(c)) { row[o++] = s; }
                }

                rows.Add(row);
                targets.Add((v[k + 1] - v[k]) / dt - current[k] / capacitanceNf);
            }

            runner.Step([current[k]], [v[k]], 1f);
        }

        return new Samples(rows, targets);
    }
}
