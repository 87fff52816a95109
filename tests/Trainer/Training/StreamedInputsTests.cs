using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Numerics;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>
/// Teacher forcing on a long record streams its MLP inputs from bank checkpoints instead of storing
/// them (TeacherForcingOptions.StreamAboveMb). The streamed inputs must be the stored ones bit for
/// bit, so that only the order of the samples (whole blocks) tells the two apart.
/// </summary>
public sealed class StreamedInputsTests
{
    /// <summary>Three segments (sweeps) of the random-walk record, with every kind of current and bank input.</summary>
    private static (Network Network, Dataset Data) Setup()
    {
        Dataset whole = TeacherForcingTests.Synthetic(9000);
        var data = new Dataset(whole.Source, whole.DtMs, whole.Neurons, segments: [new Segment(0, 2500), new Segment(2500, 3700), new Segment(6200, 2800)]);
        var spec = new NetworkSpec(0.1,
        [
            new NeuronSpec("n", Currents:
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, [0.3, 1, 3, 7, 12, 20, 33, 50, 80, 120]), new MlpSpec([4, 3])),
                new CurrentSpec("K", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [1, 2, 3, 5, 8, 13, 21, 34, 55]), new MlpSpec([3]),
                    Inactivation: new MlpSpec([2]), ReversalMv: -80, ConductanceUs: 0.5),
                new CurrentSpec("KCa", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [5, 50, 200]), new MlpSpec([3]),
                    ReversalMv: -80, ConductanceUs: 0.2, Input: BankInput.SpikeActivity, ActivityThresholdMv: -58, ActivitySlopeMv: 2),
            ]),
        ]);
        var network = new Network(spec, seed: 4);
        network.RefreshEffective();
        return (network, data);
    }

    private const int Transient = 150;

    private static (TeacherForcingProblem Stored, TeacherForcingProblem Streamed) Problems(Network network, Dataset data) =>
        (new TeacherForcingProblem(network.Models[0], data, Transient), new TeacherForcingProblem(network.Models[0], data, Transient, streamAboveBytes: 0));

    /// <summary>One epoch's order as streamed training draws it: shuffled blocks, batches sorted.</summary>
    private static int[] BlockOrder(TeacherForcingProblem streamed, int seed, int batchSize)
    {
        int[] order = new int[streamed.SampleCount];
        streamed.ShuffleIntoSortedBatches(new ShuffleRandom((ulong)seed), new int[streamed.RankCount], order, batchSize);
        return order;
    }

    [Fact]
    public void StreamedInputsAreTheStoredRowsBitForBit()
    {
        (Network network, Dataset data) = Setup();
        (TeacherForcingProblem stored, TeacherForcingProblem streamed) = Problems(network, data);
        Assert.False(stored.IsStreamed);
        Assert.True(streamed.IsStreamed);
        Assert.Equal(stored.Samples, streamed.Samples);
        Assert.Equal(stored.SampleRows, streamed.SampleRows);

        // Lists a worker meets: chunks of a block-shuffled batch (runs continue from call to call),
        // every training sample in order, and scattered single samples (each re-run from its block).
        var random = new Random(9);
        int[] scattered = stored.Samples.Where(_ => random.Next(7) == 0).ToArray();
        int[] order = BlockOrder(streamed, 3, 1000);
        var lists = new List<int[]>();
        for (int start = 0; start < order.Length; start += TeacherForcingWorker.ChunkSize)
        {
            lists.Add(order[start..Math.Min(order.Length, start + TeacherForcingWorker.ChunkSize)]);
        }

        lists.AddRange(stored.Samples.Chunk(TeacherForcingWorker.ChunkSize));
        lists.AddRange(scattered.Chunk(TeacherForcingWorker.ChunkSize));
        for (int c = 0; c < network.Models[0].Currents.Length; c++)
        {
            int width = stored.InputWidths[c];
            BankCheckpoints.Cursor? cursor = streamed.NewCursor(c, TeacherForcingWorker.ChunkSize);
            foreach (int[] list in lists)
            {
                float[] expected = new float[width * list.Length], actual = new float[width * list.Length];
                stored.GatherInputs(c, list, expected, null);
                streamed.GatherInputs(c, list, actual, cursor);
                for (int j = 0; j < expected.Length; j++)
                {
                    Assert.True(BitConverter.SingleToInt32Bits(expected[j]) == BitConverter.SingleToInt32Bits(actual[j]),
                        $"current {c}, input {j / list.Length} of sample {list[j % list.Length]}: stored {expected[j]:R}, streamed {actual[j]:R}");
                }
            }
        }
    }

    [Fact]
    public void WorkerGradientsAreTheSameStreamedOrStored()
    {
        (Network network, Dataset data) = Setup();
        (TeacherForcingProblem stored, TeacherForcingProblem streamed) = Problems(network, data);
        int[] batch = BlockOrder(streamed, 5, 2000)[..2000];
        float[][] Gradients(TeacherForcingProblem problem)
        {
            foreach (Parameter p in network.Parameters) { Array.Clear(p.Grad); }
            var worker = new TeacherForcingWorker(problem) { InputNoise = 0.05f };
            worker.SeedNoise(77);
            worker.Clear();
            worker.Process(batch, 1f / batch.Length);
            worker.AddTo();
            return network.Parameters.Select(p => (float[])p.Grad.Clone()).ToArray();
        }

        float[][] a = Gradients(stored), b = Gradients(streamed);
        Assert.Contains(a, g => g.Any(x => x != 0));
        for (int p = 0; p < a.Length; p++) { Assert.Equal(a[p], b[p]); }
    }

    [Fact]
    public void BlockShuffleKeepsBlocksWholeAndBatchesSorted()
    {
        (Network network, Dataset data) = Setup();
        TeacherForcingProblem streamed = Problems(network, data).Streamed;
        TrainingBlocks blocks = streamed.Blocks!;
        for (int b = 0; b < blocks.Count; b++)
        {
            int length = blocks.Offset(b + 1) - blocks.Offset(b);
            Assert.InRange(length, 1, TrainingBlocks.Length);
            Assert.Equal(Enumerable.Range(blocks.FirstSample(b), length), streamed.Samples[blocks.Offset(b)..blocks.Offset(b + 1)]);
            Assert.Equal(b, blocks.BlockOf(blocks.FirstSample(b) + length - 1));
        }

        const int batchSize = 700;
        int[] order = BlockOrder(streamed, 8, batchSize);
        Assert.Equal(streamed.Samples, order.Order());
        Assert.NotEqual(streamed.Samples, order);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int[] batch = order[start..Math.Min(order.Length, start + batchSize)];
            Assert.Equal(batch.Order(), batch);

            // Whole blocks, but at most the two the batch shares with its neighbours.
            int partial = batch.GroupBy(blocks.BlockOf).Count(g => g.Count() != blocks.Offset(g.Key + 1) - blocks.Offset(g.Key));
            Assert.InRange(partial, 0, 2);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => blocks.BlockOf(10));   // inside the first segment's transient
    }

    [Fact]
    public void StreamedTrainingLearnsAsStoredTrainingDoesAndIsDeterministic()
    {
        (_, Dataset data) = Setup();
        TrainingResult Run(int streamAboveMb, out float[][] parameters)
        {
            (Network network, _) = Setup();
            var options = new TeacherForcingOptions { Epochs = 8, BatchSize = 1000, ValidateEvery = 4, Seed = 3, TransientMs = 15, StreamAboveMb = streamAboveMb };
            var trainer = new TeacherForcingTrainer(network, data, options);
            Assert.Equal(streamAboveMb == 0, trainer.Streamed);
            TrainingResult result = trainer.Train();
            parameters = network.Snapshot();
            return result;
        }

        TrainingResult stored = Run(1024, out _);
        TrainingResult streamed = Run(0, out float[][] a);
        Run(0, out float[][] b);
        for (int p = 0; p < a.Length; p++) { Assert.Equal(a[p], b[p]); }
        Assert.True(streamed.History[^1].TrainLoss < 0.9 * streamed.History[0].TrainLoss,
            $"streamed loss {streamed.History[0].TrainLoss:G3} → {streamed.History[^1].TrainLoss:G3}");
        Assert.InRange(streamed.History[^1].TrainLoss / stored.History[^1].TrainLoss, 0.9, 1.1);
    }

    [Fact]
    public void TheStreamedInnerLoopAllocatesNothing()
    {
        (Network network, Dataset data) = Setup();
        TeacherForcingProblem streamed = Problems(network, data).Streamed;
        Assert.Equal(0, TeacherForcingTests.BytesAllocatedByOneBatch(streamed, BlockOrder(streamed, 1, 3000)));
    }
}
