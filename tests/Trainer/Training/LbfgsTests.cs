using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class LbfgsTests
{
    /// <summary>½ Σ λᵢ (xᵢ − cᵢ)² with λ from 1 to 10⁴ (a spread like that of a trained network's curvature), its gradient into Grad.</summary>
    private static Func<double> Quadratic(Parameter x, double[] lambda, double[] centre) => () =>
    {
        double loss = 0;
        for (int i = 0; i < x.Size; i++)
        {
            double d = x.Value[i] - centre[i];
            loss += 0.5 * lambda[i] * d * d;
            x.Grad[i] = (float)(lambda[i] * d);
        }

        return loss;
    };

    private static (Parameter X, double[] Lambda, double[] Centre) IllConditioned(int size = 40)
    {
        var random = new Random(3);
        var x = new Parameter("x", size);
        double[] lambda = Enumerable.Range(0, size).Select(i => Math.Pow(10, 4.0 * i / (size - 1))).ToArray();
        double[] centre = Enumerable.Range(0, size).Select(_ => 2 * random.NextDouble() - 1).ToArray();
        return (x, lambda, centre);
    }

    /// <summary>
    /// Why the polish exists: on a loss whose curvature spans four decades, L-BFGS reaches the minimum to float
    /// precision in a few hundred evaluations, where Adam with the same number of steps (at the learning rate that
    /// does best of five) is still more than a hundred times above it (1.4·10⁻³ against 1.9·10⁻⁶ when written).
    /// </summary>
    [Fact]
    public void ReachesTheMinimumOfAnIllConditionedQuadraticWhereAdamStaysFarAbove()
    {
        (Parameter x, double[] lambda, double[] centre) = IllConditioned();
        Func<double> loss = Quadratic(x, lambda, centre);
        double start = loss();
        var search = new Lbfgs([x], loss);
        for (int i = 0; i < 300 && search.Iterate(); i++) { }
        Assert.True(search.Loss < 1e-8 * start, $"L-BFGS: {search.Loss:G3} from {start:G3} in {search.Evaluations} evaluations");

        double bestAdam = double.PositiveInfinity;
        foreach (float rate in new[] { 0.3f, 0.1f, 0.03f, 0.01f, 0.003f })
        {
            Array.Clear(x.Value);
            var adam = new Adam([x], rate, 0.9f, 0.9f);
            double last = 0;
            for (int step = 0; step < search.Evaluations; step++)
            {
                last = loss();
                adam.Step();
            }

            bestAdam = Math.Min(bestAdam, last);
        }

        Assert.True(bestAdam > 100 * search.Loss, $"Adam's best {bestAdam:G3} against L-BFGS's {search.Loss:G3}");
    }

    [Fact]
    public void FindsTheRosenbrockMinimum()
    {
        var x = new Parameter("x", 2);
        x.Value[0] = -1.2f;
        x.Value[1] = 1f;
        var search = new Lbfgs([x], () =>
        {
            double a = x.Value[0], b = x.Value[1];
            x.Grad[0] = (float)(-2 * (1 - a) - 400 * a * (b - a * a));
            x.Grad[1] = (float)(200 * (b - a * a));
            return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
        });
        for (int i = 0; i < 200 && search.Iterate(); i++) { }
        Assert.True(Math.Abs(x.Value[0] - 1) < 1e-3 && Math.Abs(x.Value[1] - 1) < 1e-3, $"stopped at ({x.Value[0]}, {x.Value[1]}), loss {search.Loss:G3}");
    }

    /// <summary>
    /// Every accepted step lowers the loss, and when no step does (the minimum, to float precision) Iterate says so
    /// and leaves the parameters at the iterate, not at its last rejected trial point.
    /// </summary>
    [Fact]
    public void EveryStepLowersTheLossAndAStallLeavesTheParametersAtTheIterate()
    {
        (Parameter x, double[] lambda, double[] centre) = IllConditioned(12);
        Func<double> loss = Quadratic(x, lambda, centre);
        var search = new Lbfgs([x], loss);
        double previous = search.Loss;
        bool stalled = false;
        for (int i = 0; i < 2000 && !stalled; i++)
        {
            stalled = !search.Iterate();
            Assert.True(search.Loss <= previous, $"iteration {i}: {search.Loss:G17} after {previous:G17}");
            previous = search.Loss;
        }

        Assert.True(stalled, "2,000 iterations on a 12-dimensional quadratic should reach float precision and stop");
        Assert.Equal(search.Loss, loss());
    }

    /// <summary>
    /// A network's loss is summed in float, so near its minimum it falls only by its own rounding, and a line search
    /// then finds ever shorter steps that lower it by 10⁻¹⁰ of itself after twenty halvings each (a synapse-only
    /// polish spent an hour so). The relative-decrease rule stops the search there: it converges in fewer than two
    /// evaluations an iteration, at the minimum to float precision (when written: 298 iterations, 385 evaluations;
    /// without the rule 2,000 iterations and 41,209 evaluations at the same loss).
    /// </summary>
    [Fact]
    public void StopsWhenTheLossFallsOnlyByItsRounding()
    {
        (Parameter x, double[] lambda, double[] centre) = IllConditioned();
        // The mean over 500 samples, each centred a little apart, summed in float as a mini-batch's loss is.
        const int samples = 500;
        var random = new Random(5);
        float[] lambdaF = lambda.Select(l => (float)l).ToArray();
        float[][] centres = Enumerable.Range(0, samples).Select(_ => centre.Select(c => (float)(c + 0.01 * random.NextDouble())).ToArray()).ToArray();
        double start = 0;
        var search = new Lbfgs([x], () =>
        {
            float loss = 0;
            Array.Clear(x.Grad);
            foreach (float[] c in centres)
            {
                for (int i = 0; i < x.Size; i++)
                {
                    float d = x.Value[i] - c[i];
                    loss += 0.5f / samples * lambdaF[i] * d * d;
                    x.Grad[i] += lambdaF[i] / samples * d;
                }
            }

            if (start == 0) { start = loss; }
            return loss;
        });
        int iterations = 0;
        while (iterations < 2000 && search.Iterate()) { iterations++; }

        Assert.True(search.Converged, $"not converged after {iterations} iterations, {search.Evaluations} evaluations, loss {search.Loss:G3}");
        double minimum = 0;
        for (int i = 0; i < x.Size; i++)
        {
            double mean = centres.Average(c => (double)c[i]);
            minimum += centres.Sum(c => 0.5 / samples * lambda[i] * (c[i] - mean) * (c[i] - mean));
        }

        Assert.True(Math.Abs(search.Loss - minimum) < 1e-5 * minimum, $"converged at {search.Loss:G9}, the minimum is {minimum:G9} (from {start:G3})");
        Assert.True(search.Evaluations < 2 * (iterations + 1), $"{search.Evaluations} evaluations in {iterations + 1} iterations");
    }

    /// <summary>A loss that is not finite at a trial point (a diverged network) shortens the step; it is never taken.</summary>
    [Fact]
    public void ANonFiniteLossShortensTheStep()
    {
        var x = new Parameter("x", 1);
        x.Value[0] = 0.5f;
        var search = new Lbfgs([x], () =>
        {
            double v = x.Value[0];
            x.Grad[0] = (float)(2 * (v - 3));
            return v > 1 ? double.NaN : (v - 3) * (v - 3);
        });
        for (int i = 0; i < 50 && search.Iterate(); i++)
        {
            Assert.True(x.Value[0] <= 1, $"iteration {i}: stepped to {x.Value[0]}");
            Assert.True(double.IsFinite(search.Loss));
        }

        Assert.True(x.Value[0] > 0.99, $"stopped at {x.Value[0]}, short of the edge of the finite region at 1");
    }
}
