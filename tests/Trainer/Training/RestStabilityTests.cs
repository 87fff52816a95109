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

    /// <summary>
    /// Two neurons, each with the lumped current of <see cref="Neuron"/> and a conductance-based synapse (g in µS,
    /// reversal −80 mV, a diagonal bank of the other's voltage), their normalisations fitted on a two-neuron record.
    /// </summary>
    private static Network Pair(double synapseUs, int seed = 3)
    {
        static CurrentSpec Fast(int self) => new("fast", CurrentKind.Lumped, self, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3]));
        static CurrentSpec Synapse(int pre, double us) => new("syn", CurrentKind.Gating, pre, new FilterBankSpec(FilterKind.Diagonal, [1, 5]), new MlpSpec([3]),
            ReversalMv: -80, ConductanceUs: us);
        var network = new Network(new NetworkSpec(0.1,
        [
            new NeuronSpec("n1", CapacitanceNf: 40, LeakConductanceUs: 0.05, Currents: [Fast(0), Synapse(1, synapseUs)]),
            new NeuronSpec("n2", CapacitanceNf: 40, LeakConductanceUs: 0.05, Currents: [Fast(1), Synapse(0, synapseUs)]),
        ]), seed);
        Dataset data = TeacherForcingTests.Synthetic(3000, neurons: 2);
        foreach (NeuronModel model in network.Models) { _ = new TeacherForcingProblem(model, data, 100); }
        network.RefreshEffective();
        return network;
    }

    /// <summary>A kick to each voltage of a pair, one simulator step, against the linearisation: the synapses' banks follow the other cell's voltage.</summary>
    [Fact]
    public void APairsLinearisationMatchesTheSimulatorsStepMap()
    {
        Network network = Pair(0.05);
        float[] rest = [-58f, -62f];
        RestLinearisation linear = RestLinearisation.At(network.Models, network.DtMs, rest, [0.1f, 0.1f]);
        var simulator = new NetworkRunner(network);
        float[] before = StepPair(simulator, rest, -1, 0f);
        int crossRows = 0;
        for (int kicked = 0; kicked < 2; kicked++)
        {
            float[] after = StepPair(simulator, rest, kicked, 0.02f);
            int column = linear.Offset(kicked);
            for (int r = 0; r < linear.Size; r++)
            {
                double predicted = linear.Jacobian[r, column] * 0.02;
                Assert.True(Math.Abs(after[r] - before[r] - predicted) <= 2e-5 + 0.02 * Math.Abs(predicted),
                    $"v{kicked + 1} kicked, state {r}: the simulator moved {after[r] - before[r]:E3}, the linearisation predicts {predicted:E3}");
                bool otherBlock = r >= linear.Offset(1 - kicked) && r < linear.Offset(1 - kicked) + linear.BlockSize(1 - kicked);
                if (otherBlock && Math.Abs(predicted) > 1e-6) { crossRows++; }
            }
        }

        Assert.True(crossRows >= 2, "no synapse bank moved with the other cell's voltage: the test would not tell");
    }

    /// <summary>
    /// With synapses too weak to matter, a pair's equilibria are every combination of each cell's own: the plane's
    /// search (grid, then Newton) finds each, to 0.01 mV, and no other. With working synapses, each one found is an
    /// equilibrium of the simulator.
    /// </summary>
    [Fact]
    public void APairsEquilibriaAreEveryPairOfItsCellsOwn()
    {
        Network uncoupled = Pair(1e-9, seed: 34);   // a seed whose first cell has two equilibria and second one
        var alone = uncoupled.Models.Select(m =>
        {
            var single = new Network(new NetworkSpec(0.1, [uncoupled.Spec.Neurons[m.Index] with { Currents = [uncoupled.Spec.Neurons[m.Index].Currents![0] with { Source = 0 }] }]), seed: 1);
            single.CopyFrom(uncoupled);
            return RestLinearisation.Equilibria(single.Models[0], -0.2f);
        }).ToArray();
        float[][] pair = RestLinearisation.Equilibria(uncoupled.Models, -0.2f);
        output.WriteLine($"alone: {string.Join(" | ", alone.Select(e => string.Join(", ", e)))}; pair: {string.Join(" | ", pair.Select(e => string.Join(", ", e)))}");
        Assert.True(alone[0].Length * alone[1].Length > 1, "fewer than two combinations: the test would not tell");
        Assert.Equal(alone[0].Length * alone[1].Length, pair.Length);
        foreach (float a in alone[0])
        {
            foreach (float b in alone[1])
            {
                Assert.Contains(pair, e => Math.Abs(e[0] - a) < 0.01f && Math.Abs(e[1] - b) < 0.01f);
            }
        }

        Network coupled = Pair(0.05, seed: 34);
        float[][] equilibria = RestLinearisation.Equilibria(coupled.Models, -0.2f);
        output.WriteLine($"coupled: {string.Join(" | ", equilibria.Select(e => string.Join(", ", e)))}");
        Assert.NotEmpty(equilibria);
        var simulator = new NetworkRunner(coupled);
        foreach (float[] v in equilibria)
        {
            simulator.Reset(v);
            for (int k = 0; k < 10; k++) { simulator.Step([-0.2f, -0.2f], [], 0f); }
            Assert.True(Math.Abs(simulator.Voltages[0] - v[0]) < 1e-3f && Math.Abs(simulator.Voltages[1] - v[1]) < 1e-3f,
                $"started at {v[0]} / {v[1]} mV, after 10 steps at {simulator.Voltages[0]} / {simulator.Voltages[1]} mV");
        }
    }

    /// <summary>One simulator step of a pair from the rest's bank states, with neuron <paramref name="kicked"/>'s v kicked: the state in the linearisation's order (v1, n1's banks, v2, n2's banks).</summary>
    private static float[] StepPair(NetworkRunner simulator, float[] rest, int kicked, float kick)
    {
        simulator.Reset(rest);
        float[][] banks = Enumerable.Range(0, simulator.Currents.Length).Select(c => (float[])simulator.BankState(c).Clone()).ToArray();
        float[] start = (float[])rest.Clone();
        if (kicked >= 0) { start[kicked] += kick; }
        simulator.Reset(start);
        for (int c = 0; c < banks.Length; c++) { banks[c].CopyTo(simulator.BankState(c), 0); }
        simulator.Step([0.1f, 0.1f], [], 0f);
        var state = new List<float>();
        for (int n = 0; n < 2; n++)
        {
            state.Add(simulator.Voltages[n]);
            for (int c = 0; c < simulator.Currents.Length; c++)
            {
                if (simulator.Currents[c].Owner == n) { state.AddRange(simulator.BankState(c)); }
            }
        }

        return [.. state];
    }

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
            float atRest = linear.Dvdt(0, -75f, states);
            states[0][i] = keep + inward;
            double inside = network.DtMs * (linear.Dvdt(0, -75f, states) - (double)atRest) / inward;
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
            ? new RestStability([problem], network.DtMs, [], 0f, [-0.3f], firingWeight: 1f)
            : new RestStability([problem], network.DtMs, [new Rest(-58f, 0.1f, 0, 1000)], weight: 1f);
        stability.FindEquilibria();
        output.WriteLine($"equilibria: {string.Join(", ", stability.Equilibria.Select(e => $"{e.VoltageMv[0]:0.00} mV at {e.CurrentNa} nA"))}");
        Assert.Equal(oscillation, stability.Equilibria.Count > 0);
        if (oscillation && !widened)
        {
            Assert.Contains(stability.Equilibria, e => ClampedInputs(network.Models[0], e.VoltageMv[0]) > 0);
        }

        CheckGradient(network, stability, oscillation ? 8e-3f : 2e-3f);
    }

    /// <summary>
    /// The firing penalty of a pair: its equilibria under −0.2 nA into each cell (three: two stable, one not) linearised
    /// together, each cell's parameters getting the gradient through its own voltage row. Against central
    /// differences of the penalty, for weights of every MLP (the synapses' too), the conductances, capacitances and leaks.
    /// </summary>
    [Fact]
    public void APairsFiringGradientMatchesFiniteDifferences()
    {
        Network network = Pair(0.05, seed: 22);
        Dataset data = TeacherForcingTests.Synthetic(3000, neurons: 2);
        TeacherForcingProblem[] problems = [.. network.Models.Select(m => new TeacherForcingProblem(m, data, 100))];
        network.RefreshEffective();
        var stability = new RestStability(problems, network.DtMs, [], 0f, [-0.2f], firingWeight: 1f);
        stability.FindEquilibria();
        output.WriteLine($"equilibria: {string.Join(", ", stability.Equilibria.Select(e => $"{e.VoltageMv[0]:0.00} / {e.VoltageMv[1]:0.00} mV"))}");
        Assert.Equal(3, stability.Equilibria.Count);
        CheckGradient(network, stability, 8e-3f);
    }

    /// <summary>
    /// The penalty's gradient (<see cref="RestStability.AddGradient"/>) against central differences of the
    /// penalty in every third entry of each parameter (step <paramref name="step"/>; the scalars act through a
    /// softplus and take 2·10⁻², above float's noise).
    /// </summary>
    private void CheckGradient(Network network, RestStability stability, float step)
    {
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
                float h = p.Size == 1 ? 2e-2f : step;
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
        // inputs: 5 % of each entry, and 0.2 % of the largest of the same neuron's (a pair's second cell can take a
        // gradient a thousand times smaller than the first's, and must not hide in the first's tolerance), are allowed.
        static string OwnerOf(string name) => name[..name.IndexOfAny(['.', '/'])];
        var largest = pairs.GroupBy(q => OwnerOf(q.Name)).ToDictionary(g => g.Key, g => g.Max(q => Math.Abs(q.Numeric)));
        foreach ((string name, double analytic, double numeric) in pairs)
        {
            output.WriteLine($"{name}: analytic {analytic:E4}, numeric {numeric:E4}");
            Assert.True(Math.Abs(analytic - numeric) <= 0.05 * Math.Abs(numeric) + 2e-3 * largest[OwnerOf(name)], $"{name}: analytic {analytic:E4}, numeric {numeric:E4}");
        }

        Assert.True(pairs.Count > 20);
    }
}
