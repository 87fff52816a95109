using RmmEdge.Rig;
using RmmEdge.Rig.Numerics;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class TeacherForcingTests(ITestOutputHelper output)
{
    /// <summary>A small random-walk "recording": enough structure to give nonzero gradients everywhere.</summary>
    internal static Dataset Synthetic(int length, int neurons = 1, int seed = 5)
    {
        var r = new Random(seed);
        var traces = new List<NeuronTrace>();
        for (int n = 0; n < neurons; n++)
        {
            float[] v = new float[length], i = new float[length];
            float x = -60f;
            for (int k = 0; k < length; k++)
            {
                x += 0.05f * (-60f - x) + 2f * (r.NextSingle() - 0.5f) + (k / 300 % 2 == 0 ? 0.3f : -0.3f);
                v[k] = x;
                i[k] = (k / 500 % 3) * 0.2f - 0.2f;
            }

            traces.Add(new NeuronTrace($"n{n}", v, i));
        }

        return new Dataset("synthetic", 0.1, traces);
    }

    private static NetworkSpec Small(bool gating) => new(0.1,
    [
        new NeuronSpec("n", Currents: gating
            ?
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3])),
                new CurrentSpec("K", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [1, 5]), new MlpSpec([3]),
                    Inactivation: new MlpSpec([2]), ReversalMv: -80, TrainReversal: true, ConductanceUs: 0.5),
            ]
            : [new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3]), new MlpSpec([4, 3]))]),
    ]);

    private static double Loss(TeacherForcingProblem problem, int[] samples)
    {
        var w = new TeacherForcingWorker(problem);
        w.Clear();
        w.Process(samples, 1f / samples.Length);
        return w.LossSum / samples.Length;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnalyticGradientMatchesFiniteDifferences(bool gating)
    {
        Dataset data = Synthetic(3000);
        var network = new Network(Small(gating), seed: 3);
        var problem = new TeacherForcingProblem(network.Models[0], data, 200);
        int[] samples = Enumerable.Range(200, 700).ToArray();
        network.RefreshEffective();

        foreach (Parameter p in network.Parameters) { Array.Clear(p.Grad); }
        var worker = new TeacherForcingWorker(problem);
        worker.Clear();
        worker.Process(samples, 1f / samples.Length);
        worker.AddTo();
        foreach (DenseLayer layer in network.Currents.SelectMany(c => c.Mlps).SelectMany(m => m.Layers)) { layer.ChainSignConstraint(); }

        int checkedCount = 0;
        foreach (Parameter p in network.Parameters)
        {
            for (int i = 0; i < p.Size; i += Math.Max(1, p.Size / 3))
            {
                float keep = p.Value[i];
                float h = 1e-2f * Math.Max(1f, Math.Abs(keep));
                p.Value[i] = keep + h; network.RefreshEffective();
                double up = Loss(problem, samples);
                p.Value[i] = keep - h; network.RefreshEffective();
                double down = Loss(problem, samples);
                p.Value[i] = keep; network.RefreshEffective();
                double numeric = (up - down) / (2 * h);
                double analytic = p.Grad[i];
                double scale = Math.Max(Math.Abs(numeric), Math.Abs(analytic));
                if (scale < 1e-4)
                {
                    continue;
                }

                Assert.True(Math.Abs(numeric - analytic) <= 0.05 * scale + 1e-4,
                    $"{p.Name}[{i}]: analytic {analytic:G5}, finite difference {numeric:G5}");
                checkedCount++;
            }
        }

        Assert.True(checkedCount >= 10, $"only {checkedCount} gradients were large enough to check");
    }

    [Fact]
    public void TrainingReducesTheLossAndIsDeterministicForASeed()
    {
        Dataset data = Synthetic(8000);
        var options = new TeacherForcingOptions { Epochs = 6, BatchSize = 1000, ValidateEvery = 3, Seed = 11 };
        float[][] Run(out TrainingResult result)
        {
            var network = new Network(Small(gating: true), seed: 2);
            result = new TeacherForcingTrainer(network, data, options).Train();
            return network.Snapshot();
        }

        float[][] a = Run(out TrainingResult ra);
        float[][] b = Run(out _);
        Assert.True(ra.History[^1].TrainLoss < ra.History[0].TrainLoss);
        for (int p = 0; p < a.Length; p++) { Assert.Equal(a[p], b[p]); }
    }

    /// <summary>
    /// A seed trains the same model to the last bit on one thread or several (issue 20): each mini-batch is cut into
    /// a fixed number of partitions, each with its own noise stream, and their sums are added in partition order,
    /// whatever the number of threads that computes them. The polish's full-batch loss is split the same way.
    /// </summary>
    [Fact]
    public void ASeedTrainsTheSameModelOnOneThreadOrSeveral()
    {
        Dataset data = Synthetic(8000);
        float[][] Run(int threads)
        {
            var network = new Network(Small(gating: true), seed: 2);
            new TeacherForcingTrainer(network, data, new TeacherForcingOptions
            {
                Epochs = 4, BatchSize = 1000, ValidateEvery = 2, Seed = 4, PolishIterations = 100, MaxThreads = threads,
            }).Train();
            return network.Snapshot();
        }

        ThreadCounts.AssertTheSameModel(Run);
    }

    /// <summary>
    /// Snapshots are scored on a copy of the network beside training (BackgroundSelection): the
    /// history still holds every epoch once, in order, each validation epoch with its score, and the
    /// kept model scores on the trainer's own validator exactly what the copy scored for it.
    /// </summary>
    [Fact]
    public void SelectionBesideTrainingKeepsTheSnapshotItScored()
    {
        Dataset data = Synthetic(8000);
        var network = new Network(Small(gating: true), seed: 2);
        var trainer = new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 9, BatchSize = 1000, ValidateEvery = 2, Seed = 4 });
        var reported = new List<EpochRecord>();
        TrainingResult result = trainer.Train(new Progress(reported));
        Assert.Equal(Enumerable.Range(1, 9), reported.Select(r => r.Epoch));
        Assert.Equal(reported, result.History);
        Assert.Equal([2, 4, 6, 8, 9], result.History.Where(r => r.Validation is not null).Select(r => r.Epoch));
        Assert.Equal(result.History.Where(r => r.Validation is not null).Max(r => r.Validation!.Value), result.SelectedValidation);
        Assert.Equal(result.SelectedValidation, trainer.Validate());
        Assert.NotNull(result.SelectionWaitSeconds);

        // Each scored epoch carries the parameters that were scored: whoever reads a report restores those, since
        // the live network has trained on by then (RmmEdge.Bench snapshots read the live one and mislabelled its rows).
        Assert.All(result.History.Where(r => r.Validation is null), r => Assert.Null(r.Snapshot));
        foreach (EpochRecord r in result.History.Where(r => r.Validation is not null))
        {
            network.Restore(r.Snapshot!);
            Assert.Equal(r.Validation!.Value, trainer.Validate());
        }

        float[][] first = result.History.First(r => r.Snapshot is not null).Snapshot!;
        Assert.Contains(first.Zip(result.History[^1].Snapshot!), pair => !pair.First.AsSpan().SequenceEqual(pair.Second));
    }

    /// <summary>
    /// The polish's line search compares loss values, so the full-batch loss must be the function whose gradient
    /// it fills: the slope-weighted error (not the unweighted one the history reports) plus the ridge. Checked
    /// along random directions by central differences; returning the unweighted error, or leaving out the ridge's
    /// value, fails it. With the polish's input noise the loss carries one fixed draw: the same value at every call
    /// (a fresh draw per call fails the central differences and the repeat), and not the noiseless loss.
    /// </summary>
    [Theory]
    [InlineData(0f)]
    [InlineData(0.05f)]
    public void TheFullBatchLossIsTheFunctionItsGradientDifferentiates(float polishInputNoise)
    {
        Dataset data = Synthetic(6000);
        var network = new Network(Small(gating: true) with { Ridge = 0.05f }, seed: 3);
        var options = new TeacherForcingOptions { SlopeWeightScale = 1, InputNoise = 0.05f, PolishInputNoise = polishInputNoise };
        var trainer = new TeacherForcingTrainer(network, data, options);
        Parameter[] parameters = network.TrainableParameters.ToArray();
        double Loss()
        {
            network.RefreshEffective();
            foreach (Parameter p in parameters) { Array.Clear(p.Grad); }
            return trainer.FullBatchLoss();
        }

        double first = Loss();
        float[][] at = network.Snapshot();
        Assert.Equal(first, Loss());
        double noiseless = new TeacherForcingTrainer(network, data, options with { PolishInputNoise = 0 }).FullBatchLoss();
        Assert.True(polishInputNoise > 0 ? noiseless < first : noiseless == first, $"loss {first:G6}, without the polish's noise {noiseless:G6}");
        Loss();
        float[][] gradient = parameters.Select(p => (float[])p.Grad.Clone()).ToArray();
        var random = new Random(8);
        for (int trial = 0; trial < 4; trial++)
        {
            float[][] direction = parameters.Select(p => Enumerable.Range(0, p.Size).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray()).ToArray();
            double analytic = 0;
            for (int p = 0; p < parameters.Length; p++)
            {
                for (int i = 0; i < parameters[p].Size; i++) { analytic += gradient[p][i] * direction[p][i]; }
            }

            double Along(double h)
            {
                network.Restore(at);
                for (int p = 0; p < parameters.Length; p++)
                {
                    for (int i = 0; i < parameters[p].Size; i++) { parameters[p].Value[i] += (float)(h * direction[p][i]); }
                }

                return Loss();
            }

            const double step = 1e-3;
            double numeric = (Along(step) - Along(-step)) / (2 * step);
            Assert.True(Math.Abs(numeric - analytic) <= 0.02 * Math.Abs(numeric) + 1e-4, $"direction {trial}: gradient {analytic:G5}, central difference {numeric:G5}");
        }
    }

    /// <summary>
    /// The polish (L-BFGS after Adam): its rounds follow Adam's epochs in the history, each scored; the kept model is
    /// the last round or the best-scoring of Adam's selection and the rounds', as asked, and it scores on the
    /// trainer's own validator what selection scored for it; the whole is deterministic for a seed.
    /// </summary>
    [Theory]
    [InlineData(PolishKeep.Last)]
    [InlineData(PolishKeep.Best)]
    public void ThePolishKeepsItsLastRoundOrTheBestScored(PolishKeep keep)
    {
        Dataset data = Synthetic(8000);
        var options = new TeacherForcingOptions { Epochs = 4, BatchSize = 1000, ValidateEvery = 2, Seed = 4, PolishIterations = 250, PolishKeep = keep };
        (TrainingResult, TeacherForcingTrainer, float[][]) Run()
        {
            var network = new Network(Small(gating: true), seed: 2);
            var trainer = new TeacherForcingTrainer(network, data, options);
            var reported = new List<EpochRecord>();
            TrainingResult result = trainer.Train(new Progress(reported));
            Assert.Equal(reported, result.History);
            return (result, trainer, network.Snapshot());
        }

        (TrainingResult result, TeacherForcingTrainer trainer, float[][] kept) = Run();
        output.WriteLine(result.Polish);
        Assert.Equal(Enumerable.Range(1, 7), result.History.Select(r => r.Epoch));
        Assert.Equal([2, 4, 5, 6, 7], result.History.Where(r => r.Validation is not null).Select(r => r.Epoch));
        Assert.Contains("250 iterations", result.Polish);
        if (keep == PolishKeep.Last)
        {
            Assert.Equal(7, result.SelectedEpoch);
            Assert.Equal(result.History[^1].Validation, result.SelectedValidation);
        }
        else
        {
            Assert.Equal(result.History.Where(r => r.Validation is not null).Max(r => r.Validation!.Value), result.SelectedValidation);
        }

        Assert.Equal(result.SelectedValidation, trainer.Validate());
        (_, _, float[][] again) = Run();
        for (int p = 0; p < kept.Length; p++) { Assert.Equal(kept[p], again[p]); }
    }

    /// <summary>Collects progress reports on the reporting thread (IProgress without a synchronisation context).</summary>
    private sealed class Progress(List<EpochRecord> into) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => into.Add(value);
    }

    /// <summary>
    /// VoltageLowPassHz: teacher forcing must regress on the filtered record. On a resting cell seen
    /// through 0.2 mV of white measurement noise the finite-difference target is nearly all noise,
    /// ≈2.8 mV/ms RMS (0.2·√2 / 0.1 ms), which no model can fit: the loss of an untrained model (η = 0)
    /// holds its variance, ≈8 (mV/ms)². Low-passed at 2 kHz most of it is gone.
    /// </summary>
    [Fact]
    public void TheVoltageLowPassFiltersWhatTeacherForcingRegressesOn()
    {
        var random = new Random(3);
        int n = 60_000;
        float[] v = new float[n];
        for (int k = 0; k < n; k++) { v[k] = -60f + 0.2f * (float)random.NextGaussian(); }
        var data = new Dataset("noisy resting cell", 0.1, [new NeuronTrace("neuron", v, new float[n])]);
        double Loss(double cutoffHz)
        {
            var network = new Network(NetworkSpec.SingleNeuron(data.DtMs, [8, 8]), seed: 1);
            var options = new TeacherForcingOptions { Epochs = 1, ValidateEvery = 0, LearningRate = 0, FinalLearningRate = 0, InputNoise = 0, VoltageLowPassHz = cutoffHz };
            return new TeacherForcingTrainer(network, data, options).Train().History[^1].TrainLoss;
        }

        double raw = Loss(0), filtered = Loss(2000);
        output.WriteLine($"loss of the untrained model: unfiltered {raw:0.000}, low-passed at 2 kHz {filtered:0.000} (mV/ms)²");
        Assert.InRange(raw, 7, 9);
        Assert.True(filtered < 1, $"{filtered:0.000} (mV/ms)² left after the low-pass");
    }

    /// <summary>
    /// A record shorter than MinBatchesPerEpoch mini-batches of BatchSize is cut into that many smaller ones, so that
    /// an epoch still makes that many optimiser steps; with the recipe's rule (1) a short record made one step per
    /// epoch and 40 epochs left it far from fitted. A long enough record keeps BatchSize.
    /// </summary>
    [Fact]
    public void AShortRecordStillMakesTheMinimumOptimiserStepsPerEpoch()
    {
        Dataset data = BuiltInData.Simulate("stg", 4, seed: 4);
        (double Loss, TeacherForcingTrainer Trainer, TrainingResult Result) Train(int minBatches)
        {
            var network = new Network(NetworkSpec.SingleNeuron(data.DtMs, [8, 8]), seed: 1);
            var trainer = new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 40, ValidateEvery = 0, MinBatchesPerEpoch = minBatches });
            TrainingResult result = trainer.Train();
            return (result.History[^1].TrainLoss, trainer, result);
        }

        (double oneStep, TeacherForcingTrainer recipe, _) = Train(1);
        (double eightSteps, TeacherForcingTrainer shrunk, TrainingResult result) = Train(8);
        output.WriteLine($"{shrunk.TrainingSamples:N0} samples; loss after 40 epochs: one step per epoch {oneStep:0.00}, {result.Batches}: {eightSteps:0.00} (mV/ms)²");
        Assert.True(shrunk.TrainingSamples < 38_400, "the record fits in one of the recipe's mini-batches");
        Assert.Equal(recipe.TrainingSamples, recipe.EffectiveBatchSize);
        Assert.Equal((shrunk.TrainingSamples + 7) / 8, shrunk.EffectiveBatchSize);
        Assert.StartsWith("8 mini-batches of ", result.Batches);
        Assert.True(eightSteps < 0.75 * oneStep, $"8 steps per epoch: {eightSteps:0.00}, one: {oneStep:0.00}");

        var large = new TeacherForcingTrainer(new Network(NetworkSpec.SingleNeuron(data.DtMs, [8, 8]), seed: 1), data,
            new TeacherForcingOptions { BatchSize = 1000, MinBatchesPerEpoch = 8 });
        Assert.Equal(1000, large.EffectiveBatchSize);
    }

    /// <summary>
    /// SlopeWeightScale weighs samples by 1/(1 + |dv/dt|/scale): against the uniform MSE, the one-step
    /// error where the neuron moves slowly (|dv/dt| &lt; 1 mV/ms: inter-spike and inter-burst) must drop.
    /// </summary>
    [Fact]
    public void WeightingBySlopeFitsTheSlowDynamicsBetter()
    {
        Dataset data = BuiltInData.Simulate("stg", 12, seed: 4);
        (double Slow, double Fast) OneStepErrors(float scale)
        {
            var network = new Network(NetworkSpec.SingleNeuron(data.DtMs, [8, 8]), seed: 1);
            new TeacherForcingTrainer(network, data, new TeacherForcingOptions { Epochs = 15, ValidateEvery = 0, SlopeWeightScale = scale }).Train();
            int warmup = network.WarmupSamples;
            FreeRunResult run = FreeRun.Run(network, data, warmup, gamma: 1f);
            float[] v = data.Neurons[0].V, model = run.Voltages[0];
            double slow = 0, fast = 0;
            int slowCount = 0, fastCount = 0;
            for (int k = warmup + 1; k < data.Length; k++)
            {
                double slope = (v[k] - v[k - 1]) / data.DtMs;          // the data's dv/dt over step k−1
                double error = (model[k - warmup] - v[k]) / data.DtMs;  // the model's dv/dt error on that step
                if (Math.Abs(slope) < 1) { slow += error * error; slowCount++; } else { fast += error * error; fastCount++; }
            }

            return (Math.Sqrt(slow / slowCount), Math.Sqrt(fast / fastCount));
        }

        (double slowUniform, double fastUniform) = OneStepErrors(0);
        (double slowWeighted, double fastWeighted) = OneStepErrors(5);
        output.WriteLine($"one-step dv/dt RMS error, |dv/dt| < 1 mV/ms: uniform {slowUniform:0.0000}, weighted {slowWeighted:0.0000} mV/ms; " +
            $"faster samples: uniform {fastUniform:0.000}, weighted {fastWeighted:0.000} mV/ms");
        Assert.True(slowWeighted < 0.8 * slowUniform, "weighting by slope must fit the slow dynamics better");
    }

    [Fact]
    public void TheInnerLoopAllocatesNothing()
    {
        Dataset data = Synthetic(4000);
        var network = new Network(Small(gating: true), seed: 3);
        network.RefreshEffective();
        var problem = new TeacherForcingProblem(network.Models[0], data, 200);
        Assert.Equal(0, BytesAllocatedByOneBatch(problem, Enumerable.Range(200, 3000).ToArray()));
    }

    /// <summary>What a worker allocates computing one batch's loss and gradients (after a first call for JIT and lazy statics).</summary>
    internal static long BytesAllocatedByOneBatch(TeacherForcingProblem problem, int[] samples)
    {
        var worker = new TeacherForcingWorker(problem);
        worker.Clear();
        worker.Process(samples, 1f / samples.Length);
        long before = GC.GetAllocatedBytesForCurrentThread();
        worker.Clear();
        worker.Process(samples, 1f / samples.Length);
        worker.AddTo();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void TooShortForWarmupIsOneClearError()
    {
        var network = new Network(NetworkSpec.SingleNeuron(0.1), seed: 1);
        // 0.25 s: after the 100 ms warm-up of a record too short for the banks' own (2.24 s), 1,249 samples remain.
        var e = Assert.Throws<UserError>(() => new TeacherForcingTrainer(network, Synthetic(2500), new TeacherForcingOptions()));
        Assert.Contains("too short", e.Message);
        Assert.Contains("warm-up", e.Message);
    }

    [Fact]
    public void WrongSamplingPeriodIsOneClearError()
    {
        var network = new Network(Small(false) with { DtMs = 0.05 }, seed: 1);
        var e = Assert.Throws<UserError>(() => new TeacherForcingTrainer(network, Synthetic(5000), new TeacherForcingOptions()));
        Assert.Contains("dt", e.Message);
    }

    [Fact]
    public void BatchesAreAShuffleSortedWithinEachBatch()
    {
        var random = new ShuffleRandom(4);
        int[] rank = new int[1000], samples = new int[1000];
        TeacherForcingTrainer.ShuffleIntoSortedBatches(random, Enumerable.Range(50, 1000).ToArray(), rank, samples, 300);
        Assert.Equal(Enumerable.Range(50, 1000), samples.OrderBy(x => x));
        for (int start = 0; start < 1000; start += 300)
        {
            int[] batch = samples[start..Math.Min(1000, start + 300)];
            Assert.Equal(batch.OrderBy(x => x), batch);
        }

        Assert.NotEqual(Enumerable.Range(50, 300), samples[..300]);
    }
}
