using MathNet.Numerics.LinearAlgebra;
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

    private readonly Network _network;
    private readonly double _inverseCapacitance;
    private readonly double[] _mean, _scale;
    private readonly Matrix<double> _unitWeights;
    private readonly double[] _unitBiases;
    private Vector<double> _coefficients = null!;

    private SlowReadout(Network network, double capacitanceNf, double[] mean, double[] scale, int randomFeatures)
    {
        _network = network;
        _inverseCapacitance = 1 / capacitanceNf;
        _mean = mean;
        _scale = scale;
        int d = mean.Length;
        var random = new Random(1);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        _unitWeights = Matrix<double>.Build.Dense(randomFeatures, d, (_, _) => Gaussian() / Math.Sqrt(d));
        _unitBiases = Enumerable.Range(0, randomFeatures).Select(_ => Gaussian()).ToArray();
    }

    /// <summary>Fits the readout of <paramref name="network"/>'s inputs on <paramref name="train"/>'s slow samples (a single neuron).</summary>
    public static SlowReadout Fit(Network network, Dataset train, double capacitanceNf, int randomFeatures = 0)
    {
        (List<double[]> rows, List<double> targets) = Collect(network, train, 1 / capacitanceNf);
        int d = rows[0].Length;
        double[] mean = new double[d], scale = new double[d];
        for (int j = 0; j < d; j++)
        {
            mean[j] = rows.Average(r => r[j]);
            double sd = Math.Sqrt(rows.Average(r => (r[j] - mean[j]) * (r[j] - mean[j])));
            scale[j] = sd > 0 ? 1 / sd : 0;
        }

        var readout = new SlowReadout(network, capacitanceNf, mean, scale, randomFeatures);
        int stride = Math.Max(1, rows.Count / MaxFitRows);
        int[] used = Enumerable.Range(0, rows.Count / stride).Select(i => i * stride).ToArray();
        Matrix<double> phi = readout.Features(used.Select(k => rows[k]).ToList());
        Matrix<double> normal = phi.TransposeThisAndMultiply(phi);
        for (int i = 0; i < normal.RowCount; i++) { normal[i, i] += Ridge * used.Length; }
        readout._coefficients = normal.Cholesky().Solve(phi.TransposeThisAndMultiply(Vector<double>.Build.Dense(used.Select(k => targets[k]).ToArray())));
        return readout;
    }

    /// <summary>RMS error (mV/ms) of the readout on <paramref name="data"/>'s slow samples.</summary>
    public double Rms(Dataset data)
    {
        (List<double[]> rows, List<double> targets) = Collect(_network, data, _inverseCapacitance);
        Vector<double> errors = Features(rows) * _coefficients - Vector<double>.Build.Dense(targets.ToArray());
        return Math.Sqrt(errors.DotProduct(errors) / rows.Count);
    }

    /// <summary>One row per sample: [1, the standardised inputs, the random tanh units of them].</summary>
    private Matrix<double> Features(List<double[]> rows)
    {
        int d = _mean.Length, units = _unitBiases.Length;
        var phi = Matrix<double>.Build.Dense(rows.Count, 1 + d + units);
        var z = new double[d];
        for (int k = 0; k < rows.Count; k++)
        {
            phi[k, 0] = 1;
            for (int j = 0; j < d; j++)
            {
                z[j] = (rows[k][j] - _mean[j]) * _scale[j];
                phi[k, 1 + j] = z[j];
            }

            for (int u = 0; u < units; u++)
            {
                double a = _unitBiases[u];
                for (int j = 0; j < d; j++) { a += _unitWeights[u, j] * z[j]; }
                phi[k, 1 + d + u] = Math.Tanh(a);
            }
        }

        return phi;
    }

    /// <summary>Per slow sample after the warm-up: [v, every bank state] at k, teacher forced, and (v[k+1] − v[k]) / dt − I[k]/C.</summary>
    private static (List<double[]> Rows, List<double> Targets) Collect(Network network, Dataset data, double inverseCapacitance)
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
                targets.Add((v[k + 1] - v[k]) / dt - inverseCapacitance * current[k]);
            }

            runner.Step([current[k]], [v[k]], 1f);
        }

        return (rows, targets);
    }
}
