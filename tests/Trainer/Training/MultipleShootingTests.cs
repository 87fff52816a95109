using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class MultipleShootingTests(ITestOutputHelper output)
{
    /// <summary>
    /// Two modelled neurons, or one modelled and one external: intrinsic lumped and gating currents
    /// (orthonormal and diagonal banks) and a gating synapse from neuron 1 onto neuron 0, so the
    /// adjoint crosses neurons through the synaptic bank.
    /// </summary>
    private static NetworkSpec Circuit(bool externalPresynaptic, bool activity = false) => activity ? ActivityCircuit() : new(0.1,
    [
        new NeuronSpec("post", Currents:
        [
            new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3])),
            new CurrentSpec("K", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [1, 5]), new MlpSpec([3]),
                Inactivation: new MlpSpec([2]), ReversalMv: -80, TrainReversal: true, ConductanceUs: 0.5),
            new CurrentSpec("syn", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Orthonormal, [0.5, 2]), new MlpSpec([3]),
                ReversalMv: -70, ConductanceUs: 0.2),
        ]),
        externalPresynaptic
            ? new NeuronSpec("pre", External: true)
            : new NeuronSpec("pre", Currents:
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 1, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 2]), new MlpSpec([3])),
            ]),
    ]);

    /// <summary>
    /// A post neuron whose only current is driven by its spike activity σ((v + 20)/3) (and a synapse
    /// whose bank is driven by the presynaptic activity), so that the voltage adjoints must pass through σ'.
    /// </summary>
    private static NetworkSpec ActivityCircuit() => new(0.1,
    [
        new NeuronSpec("post", Currents:
        [
            new CurrentSpec("act", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Diagonal, [0.5, 2]), new MlpSpec([4]), Input: BankInput.SpikeActivity),
            new CurrentSpec("syn", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Diagonal, [1, 3]), new MlpSpec([3]),
                ReversalMv: -70, ConductanceUs: 0.2, Input: BankInput.SpikeActivity),
        ]),
        new NeuronSpec("pre", Currents:
        [
            new CurrentSpec("fast", CurrentKind.Lumped, 1, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 2]), new MlpSpec([3])),
        ]),
    ]);

    /// <summary>With <paramref name="activity"/>: <see cref="ActivityCircuit"/> on records lifted by 40 mV, around −20 mV where σ' is large.</summary>
    /// With <paramref name="segmented"/>: three sweeps, two of them trained on, and the batch holds the last
    /// shot of the first sweep and the first of the second, which no continuity term may tie.
    /// With <paramref name="envelopeMs"/>: the loss also compares spike-rate envelopes of that time constant (a few steps, so
    /// that each shot's envelope moves), on the activity circuit's lifted records where a(v) has its slope.
    [Theory]
    [InlineData(false, 0f, false, 0f, false)]
    [InlineData(false, 0.3f, false, 0f, false)]
    [InlineData(true, 0f, false, 0f, false)]
    [InlineData(false, 0f, true, 0f, false)]
    [InlineData(false, 0.3f, true, 0f, false)]
    [InlineData(false, 0.3f, false, 0.5f, false)]
    [InlineData(true, 0f, true, 0.5f, false)]
    [InlineData(false, 0.3f, false, 0.5f, true)]
    [InlineData(false, 0.3f, false, 0f, false, true)]
    [InlineData(true, 0f, true, 0.5f, false, true)]
    [InlineData(false, 0.3f, true, 0f, false, false, 0.5)]
    [InlineData(true, 0f, true, 0.5f, false, true, 0.3)]
    public void BackpropagationThroughTimeMatchesFiniteDifferences(bool externalPresynaptic, float gamma, bool activity, float slopeWeight, bool segmented,
        bool clipped = false, double envelopeMs = 0)
    {
        Dataset data = segmented
            ? Dataset.Concatenate("sweeps", Enumerable.Range(0, 3).Select(k => TeacherForcingTests.Synthetic(3000, neurons: 2, seed: 20 + k)).ToArray())
            : TeacherForcingTests.Synthetic(3000, neurons: 2);
        if (activity)
        {
            data = new Dataset(data.Source, data.DtMs, data.Neurons.Select(t => new NeuronTrace(t.Name, t.V.Select(v => v + 40f).ToArray(), t.I)).ToArray());
        }

        var network = new Network(Circuit(externalPresynaptic, activity), seed: 4);
        if (activity)
        {
            // A strong activity current (×10), so that its path carries a good part of every voltage adjoint:
            // with dσ/du halved in the backward pass both activity cases fail.
            DenseLayer output = network.Currents.Single(c => c.QualifiedName == "post/act").Mlps[0].Layers[^1];
            for (int i = 0; i < output.Weights.Size; i++) { output.Weights.Value[i] *= 10f; }
            network.RefreshEffective();
        }
        // Clipped: the data loss sees min(v, θ) with θ the data's median, so that half the samples are clipped.
        float? clip = clipped ? data.Neurons[0].V.Order().ElementAt(data.Length / 2) : null;
        var trainer = new MultipleShootingTrainer(network, data, new MultipleShootingOptions
        {
            ShotLength = 6, Gamma = gamma, ContinuityV = 0.7f, ContinuityX = 0.4f, Partitions = 2, FromScratch = true, ValidateEvery = 0,
            SlopeWeightScale = slopeWeight, ClipAboveMv = clip, EnvelopeMs = envelopeMs,
        });
        MultipleShootingProblem problem = trainer.Problem;
        if (slopeWeight > 0)
        {
            // The weights must vary, or the weighted gradient would pass as the uniform one.
            float[] w = problem.LossWeight[0]!.Where(x => x > 0).ToArray();
            output.WriteLine($"slope weights from {w.Min():G3} to {w.Max():G3}");
            Assert.True(w.Max() > 2 * w.Min());
        }
        else
        {
            Assert.All(problem.LossWeight, Assert.Null);
        }

        // Initial states off the data, so that every continuity term pulls.
        var random = new Random(9);
        // Clipped: initial voltages 15 mV above the data too, so that the model runs above θ where the data is below
        // (where both are above it, the clipped error is 0 whatever the gradient's rule).
        foreach (Parameter p in problem.ShotParameters)
        {
            float offset = clipped && p == problem.InitialVoltage ? 15f : 0f;
            for (int i = 0; i < p.Size; i++) { p.Value[i] += offset + 0.5f * (random.NextSingle() - 0.5f); }
        }

        // Neighbours in and out of the batch; segmented: the first sweep's last shot and the second's first.
        int end = Array.IndexOf(problem.Continues, false);
        int[] shots = segmented ? [3, 4, 5, 17, end, end + 1] : [3, 4, 5, 17, 40, 41];
        int[] checkedShots = segmented ? [3, 4, 6, end, end + 1, end + 2] : [3, 4, 6, 41, 42];
        Assert.True(!segmented || end + 1 < problem.ShotCount, "the segmented record has shots in a second sweep");
        Parameter[] all = network.Parameters.Concat(problem.ShotParameters).ToArray();
        foreach (Parameter p in all) { Array.Clear(p.Grad); }
        trainer.ComputeGradients(shots);
        foreach (Current c in network.Currents)
        {
            foreach (DenseLayer layer in c.Mlps.SelectMany(m => m.Layers)) { layer.ChainSignConstraint(); }
        }

        float[][] analytic = all.Select(p => (float[])p.Grad.Clone()).ToArray();
        double Loss()
        {
            network.RefreshEffective();
            return trainer.ComputeGradients(shots);
        }

        // Central differences in float arithmetic are noisy for tiny gradients, so each entry's error is
        // measured against the largest gradient of its parameter array (a 5% tolerance).
        var entries = new List<(string Name, double Analytic, double Numeric, double Scale)>();
        for (int pi = 0; pi < all.Length; pi++)
        {
            Parameter p = all[pi];
            bool isShot = p.Name.StartsWith("ms.", StringComparison.Ordinal);
            // Shot parameters of checkedShots (6 and 42, or end + 2, are outside the batch, pulled only by continuity).
            IEnumerable<int> indices = isShot
                ? Enumerable.Range(0, p.Size).Where(i => checkedShots.Contains(i * problem.ShotCount / p.Size))
                : Enumerable.Range(0, p.Size).Where(i => i % Math.Max(1, p.Size / 3) == 0);
            var mine = new List<(string, double, double)>();
            foreach (int i in indices)
            {
                float saved = p.Value[i];
                const float h = 1e-2f;
                p.Value[i] = saved + h;
                double up = Loss();
                p.Value[i] = saved - h;
                double down = Loss();
                p.Value[i] = saved;
                mine.Add(($"{p.Name}[{i}]", analytic[pi][i], (up - down) / (2 * h)));
            }

            double scale = Math.Max(1e-3, mine.Count == 0 ? 0 : mine.Max(e => Math.Abs(e.Item3)));
            entries.AddRange(mine.Select(e => (e.Item1, e.Item2, e.Item3, scale)));
        }

        var bad = entries.Where(e => Math.Abs(e.Analytic - e.Numeric) > 0.05 * e.Scale).ToList();
        var worstEntry = entries.MaxBy(e => Math.Abs(e.Analytic - e.Numeric) / e.Scale);
        foreach (var e in bad) { output.WriteLine($"  {e.Name}: analytic {e.Analytic:G5}, numeric {e.Numeric:G5} (scale {e.Scale:G3})"); }
        network.RefreshEffective();
        output.WriteLine($"{entries.Count} gradient entries checked; worst {worstEntry.Name}: analytic {worstEntry.Analytic:G5}, numeric {worstEntry.Numeric:G5}");
        Assert.True(bad.Count == 0, $"{bad.Count} entries off by more than 5% of their array's largest gradient");
    }

    /// <summary>
    /// A seed trains the same model to the last bit on one thread or several (issue 20): the shots of a mini-batch
    /// are cut into a fixed number of partitions whose gradients are added in partition order, and Adam's update of
    /// the shots' initial states, split over the cores, updates each state on its own.
    /// </summary>
    [Fact]
    public void ASeedTrainsTheSameModelOnOneThreadOrSeveral()
    {
        Dataset data = TeacherForcingTests.Synthetic(4000, neurons: 2);
        float[][] Run(int threads)
        {
            var network = new Network(Circuit(externalPresynaptic: false), seed: 4);
            new MultipleShootingTrainer(network, data, new MultipleShootingOptions
            {
                ShotLength = 10, ShotsPerBatch = 64, Epochs = 3, ValidateEvery = 0, FromScratch = true, Seed = 7, MaxThreads = threads,
            }).Train();
            return network.Snapshot();
        }

        ThreadCounts.AssertTheSameModel(Run);
    }

    /// <summary>
    /// The clipped voltage cannot tell a burst from a plateau, both above θ; the spike-rate envelope can. A burst of
    /// 2-ms spikes every 20 ms and a plateau at −10 mV through the same 200 ms: their envelopes (τ 50 ms) end about 0.1
    /// and 0.96 apart, where min(v, −40) is −40 mV for both throughout.
    /// </summary>
    [Fact]
    public void TheEnvelopeTellsAPlateauFromABurst()
    {
        const double dt = 0.1;
        int n = 2000;
        float[] burst = Enumerable.Range(0, n).Select(k => k % 200 < 20 ? 30f : -38f).ToArray();
        float[] plateau = Enumerable.Repeat(-10f, n).ToArray();
        var envelope = new SpikeEnvelope(TauMs: 50, ScaleMv: 200);
        Segment[] one = [new Segment(0, n)];
        float rBurst = envelope.OfRecord(burst, one, dt)[^1], rPlateau = envelope.OfRecord(plateau, one, dt)[^1];
        output.WriteLine($"envelope after 200 ms: burst {rBurst:0.000}, plateau {rPlateau:0.000}");
        Assert.InRange(rBurst, 0.08, 0.12);
        Assert.InRange(rPlateau, 0.9, 1.0);
        Assert.All(burst.Zip(plateau), pair => Assert.Equal(Math.Min(pair.First, -40f), Math.Min(pair.Second, -40f)));
    }

    /// <summary>
    /// Held initial states (<see cref="MultipleShootingOptions.TrainInitialStates"/> false) stay where the data put them
    /// through training, so every shot is a free run from the cell's own state; trained, they move.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void HeldInitialStatesStayWhereTheDataPutThem(bool train)
    {
        Dataset data = TeacherForcingTests.Synthetic(3000, neurons: 2);
        var network = new Network(Circuit(externalPresynaptic: false), seed: 4);
        var trainer = new MultipleShootingTrainer(network, data, new MultipleShootingOptions
        {
            ShotLength = 30, Epochs = 2, Partitions = 2, FromScratch = true, ValidateEvery = 0, TrainInitialStates = train,
        });
        float[][] before = trainer.Problem.ShotParameters.Select(p => (float[])p.Value.Clone()).ToArray();
        float[][] weights = network.Snapshot();
        trainer.Train();
        bool moved = trainer.Problem.ShotParameters.Zip(before).Any(pair => !pair.First.Value.AsSpan().SequenceEqual(pair.Second));
        Assert.Equal(train, moved);
        Assert.Contains(network.Snapshot().Zip(weights), pair => !pair.First.AsSpan().SequenceEqual(pair.Second));
    }

    [Fact]
    public void AClippedLossCountsOnlyWhatRunsBelowTheClip()
    {
        // Same network, shots and initial states; only θ differs, so the continuity terms are equal and
        // the losses differ by their data terms: |min(v, θ) − min(d, θ)| ≤ |v − d|, and nothing is left when θ is below everything.
        Dataset data = TeacherForcingTests.Synthetic(3000, neurons: 2);
        float median = data.Neurons[0].V.Order().ElementAt(data.Length / 2);
        double Loss(float? clip)
        {
            var network = new Network(Circuit(externalPresynaptic: false), seed: 4);
            var trainer = new MultipleShootingTrainer(network, data, new MultipleShootingOptions
            {
                ShotLength = 6, Partitions = 2, FromScratch = true, ValidateEvery = 0, ClipAboveMv = clip, ContinuityV = 0, ContinuityX = 0,
            });
            return trainer.ComputeGradients(Enumerable.Range(0, trainer.ShotCount).ToArray());
        }

        double whole = Loss(null), clipped = Loss(median), nothing = Loss(-1e4f);
        output.WriteLine($"loss: whole voltage {whole:G5}, clipped at the median {median:0.0} mV {clipped:G5}, clipped below everything {nothing:G5}");
        Assert.True(clipped < 0.9 * whole);
        Assert.Equal(0, nothing);
    }

    [Fact]
    public void ShotsStayInsideTheirSegmentAndOnlyNeighboursInOneSegmentAreTied()
    {
        var network = new Network(Circuit(externalPresynaptic: false), seed: 4);
        Dataset sweeps = Dataset.Concatenate("sweeps", Enumerable.Range(0, 3).Select(k => TeacherForcingTests.Synthetic(1000 + 7 * k, neurons: 2, seed: 20 + k)).ToArray());
        var problem = new MultipleShootingProblem(network, sweeps, transient: 100, shotLength: 30, continuityV: 1, continuityX: 1);
        int expected = 0;
        foreach (Segment g in sweeps.Segments)
        {
            int count = (g.Length - 100) / 30;
            int[] mine = Enumerable.Range(expected, count).ToArray();
            Assert.Equal(mine.Select(j => g.Start + 100 + (j - expected) * 30), mine.Select(j => problem.ShotStart[j]));
            Assert.All(mine, j => Assert.True(problem.ShotStart[j] + 30 <= g.End));
            Assert.Equal(mine.Select(j => j != mine[^1]), mine.Select(j => problem.Continues[j]));
            expected += count;
        }

        Assert.Equal(expected, problem.ShotCount);

        // One continuous record: shots from the end of its transient on, every one tied to the next but the last.
        Dataset one = TeacherForcingTests.Synthetic(1000, neurons: 2);
        var single = new MultipleShootingProblem(network, one, transient: 100, shotLength: 30, continuityV: 1, continuityX: 1);
        Assert.Equal(Enumerable.Range(0, 30).Select(j => 100 + 30 * j), single.ShotStart);
        Assert.Equal(Enumerable.Range(0, 30).Select(j => j < 29), single.Continues);
    }
}
