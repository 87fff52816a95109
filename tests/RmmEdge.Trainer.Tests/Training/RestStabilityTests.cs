using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class RestStabilityTests(ITestOutputHelper output)
{
    /// <summary>
    /// A lumped current on an orthonormal bank and a gating current (with inactivation, diagonal bank),
    /// with a large capacitance, so that the voltage's own mode at rest is slower than τ* and penalised.
    /// </summary>
    private static NetworkSpec Neuron(BankInput input = BankInput.Voltage) => new(0.1,
    [
        new NeuronSpec("n", CapacitanceNf: 40, LeakConductanceUs: 0.05, Currents:
        [
            new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3]), Input: input,
                ActivityThresholdMv: -60, ActivitySlopeMv: 4),
            new CurrentSpec("K", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [1, 5]), new MlpSpec([3]),
                Inactivation: new MlpSpec([2]), ReversalMv: -80, TrainReversal: true, ConductanceUs: 0.01),
        ]),
    ]);

    [Fact]
    public void LinearisationMatchesTheSimulatorsStepMap()
    {
        var network = new Network(Neuron(), seed: 3);
        Dataset data = TeacherForcingTests.Synthetic(3000);
        _ = new TeacherForcingProblem(network.Models[0], data, 100);
        network.RefreshEffective();
        RestLinearisation linear = RestLinearisation.At(network.Models[0], network.DtMs, -58f, 0.1f);

        // A small kick to v from the rest's state, one step of the real simulator, against J · kick.
        var simulator = new Simulator(network);
        float[] before = Step(simulator, -58f, 0f);
        float[] after = Step(simulator, -58f, 0.02f);
        for (int r = 0; r < linear.Size; r++)
        {
            double predicted = linear.Jacobian[r, 0] * 0.02;
            Assert.True(Math.Abs(after[r] - before[r] - predicted) <= 2e-4 + 0.02 * Math.Abs(predicted),
                $"state {r}: the simulator moved {after[r] - before[r]:E3}, the linearisation predicts {predicted:E3}");
        }
    }

    /// <summary>Each equilibrium found is one: dv/dt with the banks at their steady state vanishes there, and the simulator, started there, stays.</summary>
    [Fact]
    public void EquilibriaAreWhereTheModelStays()
    {
        var network = new Network(Neuron(), seed: 3);
        _ = new TeacherForcingProblem(network.Models[0], TeacherForcingTests.Synthetic(3000), 100);
        network.RefreshEffective();
        float[] equilibria = RestLinearisation.Equilibria(network.Models[0], 0.1f);
        Assert.NotEmpty(equilibria);
        var simulator = new Simulator(network);
        foreach (float v in equilibria)
        {
            simulator.Reset([v]);
            for (int k = 0; k < 10; k++) { simulator.Step([0.1f], [], 0f); }
            Assert.True(Math.Abs(simulator.Voltages[0] - v) < 1e-3f, $"started at {v} mV, after 10 steps at {simulator.Voltages[0]} mV");
            simulator.Reset([v + 2]);
            simulator.Step([0.1f], [], 0f);
            Assert.True(Math.Abs(simulator.Derivatives[0]) > 1e-4f, "2 mV away the model is not at rest: the test would not tell");
        }
    }

    /// <summary>
    /// The synthetic record with its voltage excursions doubled about −60 mV, so that the inputs' ranges hold
    /// the test network's equilibria: one outside them sits where an input is clamped, and a central
    /// difference across the clamp's corner is not a derivative.
    /// </summary>
    private static Dataset Widened(Dataset data) =>
        new(data.Source, data.DtMs, [new NeuronTrace("n0", data.Neurons[0].V.Select(v => -60f + 2f * (v + 60f)).ToArray(), data.Neurons[0].I)]);

    /// <summary>One simulator step from the rest's bank states with v kicked by <paramref name="kick"/>: v and every bank state after it.</summary>
    private static float[] Step(Simulator simulator, float rest, float kick)
    {
        simulator.Reset([rest]);
        float[][] banks = Enumerable.Range(0, simulator.Currents.Length).Select(c => (float[])simulator.BankState(c).Clone()).ToArray();
        simulator.Reset([rest + kick]);
        for (int c = 0; c < banks.Length; c++) { banks[c].CopyTo(simulator.BankState(c), 0); }
        simulator.Step([0.1f], [], 0f);
        return [simulator.Voltages[0], .. banks.SelectMany((_, c) => simulator.BankState(c))];
    }

    /// <summary>
    /// The penalty's gradient (the worker's dv/dt gradient differenced along the eigen-sensitivity
    /// direction) against central differences of the penalty itself, for weights of every MLP, the
    /// conductance, the capacitance and the leak.
    /// </summary>
    /// <remarks>
    /// With <paramref name="oscillation"/> the penalty is the other one: no rest, but the cell said to fire
    /// under −0.3 nA, so the model's (stable) equilibria there are penalised; they are found once and held,
    /// as in training, while the parameters move. (The spike-activity network's one equilibrium inside its
    /// trained range already grows fast enough to cost nothing; the probes' machinery is the rest case's.)
    /// The penalty's central differences need a larger step there (8·10⁻³): at 2·10⁻³ the float penalty's own
    /// noise moved one bias's numeric derivative by 14 %.
    /// </remarks>
    [Theory]
    [InlineData(BankInput.Voltage, false)]
    [InlineData(BankInput.SpikeActivity, false)]
    [InlineData(BankInput.Voltage, true)]
    public void GradientMatchesFiniteDifferences(BankInput input, bool oscillation)
    {
        var network = new Network(Neuron(input), seed: 3);
        Dataset data = oscillation ? Widened(TeacherForcingTests.Synthetic(3000)) : TeacherForcingTests.Synthetic(3000);
        var problem = new TeacherForcingProblem(network.Models[0], data, 100);
        network.RefreshEffective();
        var stability = oscillation
            ? new RestStability(problem, network.DtMs, [], 0f, [-0.3f], oscillationWeight: 1f)
            : new RestStability(problem, network.DtMs, [new Rest(-58f, 0.1f, 0, 1000)], weight: 1f);
        stability.FindEquilibria();
        output.WriteLine($"equilibria: {string.Join(", ", stability.Equilibria.Select(e => $"{e.VoltageMv:0.00} mV at {e.CurrentNa} nA"))}");
        Assert.Equal(oscillation, stability.Equilibria.Count > 0);
        stability.Relinearise();
        double penalty = stability.Penalty;
        output.WriteLine($"penalty {penalty:E4}, τ* {stability.TauLimitMs} ms");
        Assert.True(penalty > 0, "the test's rest must be penalised");

        Parameter[] parameters = network.TrainableParameters.ToArray();
        foreach (Parameter p in parameters) { Array.Clear(p.Grad); }
        stability.AddGradient();
        foreach (DenseLayer layer in network.Currents.SelectMany(c => c.Mlps).SelectMany(m => m.Layers)) { layer.ChainSignConstraint(); }

        var pairs = new List<(string Name, double Analytic, double Numeric)>();
        foreach (Parameter p in parameters)
        {
            for (int i = 0; i < p.Size; i += Math.Max(1, p.Size / 3))
            {
                float keep = p.Value[i];
                float h = p.Size == 1 ? 2e-2f : (oscillation ? 8e-3f : 2e-3f);   // the scalars act through a softplus: a larger step, above float's noise
                p.Value[i] = keep + h;
                network.RefreshEffective();
                stability.Relinearise();
                double up = stability.Penalty;
                p.Value[i] = keep - h;
                network.RefreshEffective();
                stability.Relinearise();
                double down = stability.Penalty;
                p.Value[i] = keep;
                network.RefreshEffective();
                pairs.Add(($"{p.Name}[{i}]", p.Grad[i], (up - down) / (2 * h)));
            }
        }

        // The penalty's own differences carry the noise of a float model's dv/dt differenced in its
        // inputs: 5 % of each entry, and 0.2 % of the largest, are allowed.
        double largest = pairs.Max(q => Math.Abs(q.Numeric));
        foreach ((string name, double analytic, double numeric) in pairs)
        {
            output.WriteLine($"{name}: analytic {analytic:E4}, numeric {numeric:E4}");
            Assert.True(Math.Abs(analytic - numeric) <= 0.05 * Math.Abs(numeric) + 2e-3 * largest, $"{name}: analytic {analytic:E4}, numeric {numeric:E4}");
        }

        Assert.True(pairs.Count > 20);
    }
}
