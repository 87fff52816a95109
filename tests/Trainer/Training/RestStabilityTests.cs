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
        var simulator = new NetworkRunner(network);
        float[] before = Step(simulator, -58f, 0f);
        float[] after = Step(simulator, -58f, 0.02f);
        for (int r = 0; r < linear.Size; r++)
        {
            double predicted = linear.Jacobian[r, 0] * 0.02;
            Assert.True(Math.Abs(after[r] - before[r] - predicted) <= 2e-4 + 0.02 * Math.Abs(predicted),
                $"state {r}: the simulator moved {after[r] - before[r]:E3}, the linearisation predicts {predicted:E3}");
        }
    }

    /// <summary>
    /// A spike-activity bank at rest sits at its trained minimum when the record rests there (no activity):
    /// the clamp's corner. Its slope in the voltage's row is the one from inside, not the half that a central
    /// difference across the corner gives (the state cannot go below its minimum).
    /// </summary>
    [Fact]
    public void ABankAtTheClampsCornerIsLinearisedFromInside()
    {
        var network = new Network(Neuron(BankInput.SpikeActivity), seed: 3);
        Dataset data = TeacherForcingTests.Synthetic(3000);
        Array.Fill(data.Neurons[0].V, -75f, 1000, 300);   // 30 ms at rest, below the rest of the record
        NeuronModel model = network.Models[0];
        _ = new TeacherForcingProblem(model, data, 100);
        network.RefreshEffective();
        RestLinearisation linear = RestLinearisation.At(model, network.DtMs, -75f, 0f);

        Current fast = model.Currents[0];
        float[][] states = model.Currents.Select(c => new float[c.Bank.Size]).ToArray();
        for (int c = 0; c < states.Length; c++) { model.Currents[c].Bank.SteadyState(model.Currents[c].Spec.Drive(-75f), states[c]); }
        int atCorner = 0, shift = fast.VoltageInputs;
        for (int i = 0; i < fast.Bank.Size; i++)
        {
            double z = (states[0][i] - fast.Normalizer.Center[shift + i]) * fast.Normalizer.Scale[shift + i];
            if (Math.Abs(Math.Abs(z) - InputNormalizer.Limit) > 1e-3) { continue; }
            atCorner++;
            float keep = states[0][i], step = (float)linear.Steps[1 + i], inward = -Math.Sign(z) * step;
            float atRest = linear.Dvdt(-75f, states);
            states[0][i] = keep + inward;
            double inside = network.DtMs * (linear.Dvdt(-75f, states) - (double)atRest) / inward;
            states[0][i] = keep;
            output.WriteLine($"activity[{i}] at z = {z:0.000}: J = {linear.Jacobian[0, 1 + i]:E4}, one-sided from inside {inside:E4}");
            Assert.True(Math.Abs(linear.Jacobian[0, 1 + i] - inside) <= 0.1 * Math.Abs(inside) + 1e-7,
                $"activity[{i}]: J = {linear.Jacobian[0, 1 + i]:E4}, the slope from inside {inside:E4}");
        }

        Assert.True(atCorner > 0, "no activity state at the corner: the test would not tell");
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
        var simulator = new NetworkRunner(network);
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
    /// A model that sits at a spike's peak: a leak so large that the MLPs' currents barely move it, reversing at
    /// +40 mV. Its one equilibrium is there, and the scan must reach it (it stopped at +20 mV and saw none).
    /// </summary>
    [Fact]
    public void AnEquilibriumAtASpikesPeakIsFound()
    {
        var network = new Network(Neuron(), seed: 3);
        _ = new TeacherForcingProblem(network.Models[0], TeacherForcingTests.Synthetic(3000), 100);
        NeuronModel model = network.Models[0];
        model.LeakConductanceRaw.Value[0] = Softplus.Inverse(1000f);
        model.LeakReversal.Value[0] = 40f;
        network.RefreshEffective();

        float[] equilibria = RestLinearisation.Equilibria(model, 0.5f);

        Assert.Single(equilibria);
        Assert.InRange(equilibria[0], 39f, 41f);
    }

    /// <summary>
    /// The synthetic record with its voltage excursions doubled about −60 mV, so that the inputs' ranges hold
    /// the test network's equilibria: one outside them sits where an input is clamped, and a central
    /// difference across the clamp's corner is not a derivative.
    /// </summary>
    private static Dataset Widened(Dataset data) =>
        new(data.Source, data.DtMs, [new NeuronTrace("n0", data.Neurons[0].V.Select(v => -60f + 2f * (v + 60f)).ToArray(), data.Neurons[0].I)]);

    /// <summary>How many of the model's normalised inputs, with every bank at its steady state for <paramref name="v"/>, lie beyond the clamp.</summary>
    private static int ClampedInputs(NeuronModel model, float v)
    {
        int clamped = 0;
        foreach (Current current in model.Currents)
        {
            float[] state = new float[current.Bank.Size];
            current.Bank.SteadyState(current.Spec.Drive(v), state);
            float[] raw = current.VoltageInputs == 1 ? [v, .. state] : state;
            for (int i = 0; i < raw.Length; i++)
            {
                if (Math.Abs((raw[i] - current.Normalizer.Center[i]) * current.Normalizer.Scale[i]) > InputNormalizer.Limit + RestLinearisation.RelativeStep) { clamped++; }
            }
        }

        return clamped;
    }

    /// <summary>One simulator step from the rest's bank states with v kicked by <paramref name="kick"/>: v and every bank state after it.</summary>
    private static float[] Step(NetworkRunner simulator, float rest, float kick)
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
    /// as in training, while the parameters move. On the record as it is, some equilibria lie where an input is
    /// clamped (the test asserts one does); <paramref name="widened"/> doubles the record's excursions so that
    /// they lie inside the trained range. The penalty's central differences need a larger step there
    /// (8·10⁻³): at 2·10⁻³ the float penalty's own noise moved one bias's numeric derivative by 14 %. An
    /// equilibrium within a difference step of the clamp's corner (−69.9 mV here) missed by 7 % on every fast
    /// weight at every step size; <see cref="RestLinearisation.Equilibria"/> leaves such equilibria out.
    /// </remarks>
    [Theory]
    [InlineData(BankInput.Voltage, false)]
    [InlineData(BankInput.SpikeActivity, false)]
    [InlineData(BankInput.Voltage, true)]
    [InlineData(BankInput.Voltage, true, false)]
    [InlineData(BankInput.SpikeActivity, true, false)]
    public void GradientMatchesFiniteDifferences(BankInput input, bool oscillation, bool widened = true)
    {
        var network = new Network(Neuron(input), seed: 3);
        Dataset data = oscillation && widened ? Widened(TeacherForcingTests.Synthetic(3000)) : TeacherForcingTests.Synthetic(3000);
        var problem = new TeacherForcingProblem(network.Models[0], data, 100);
        network.RefreshEffective();
        var stability = oscillation
            ? new RestStability(problem, network.DtMs, [], 0f, [-0.3f], firingWeight: 1f)
            : new RestStability(problem, network.DtMs, [new Rest(-58f, 0.1f, 0, 1000)], weight: 1f);
        stability.FindEquilibria();
        output.WriteLine($"equilibria: {string.Join(", ", stability.Equilibria.Select(e => $"{e.VoltageMv:0.00} mV at {e.CurrentNa} nA"))}");
        Assert.Equal(oscillation, stability.Equilibria.Count > 0);
        if (oscillation && !widened)
        {
            Assert.Contains(stability.Equilibria, e => ClampedInputs(network.Models[0], e.VoltageMv) > 0);
        }

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
                float h = (p.Size == 1 ? 2e-2f : (oscillation ? 8e-3f : 2e-3f));   // the scalars act through a softplus: a larger step, above float's noise
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
