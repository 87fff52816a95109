using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>Whether a trained model is fit for its task (<see cref="TrainingPipeline.RunUntilAccepted"/>), and why in words.</summary>
public sealed record Acceptance(bool Accepted, string Text)
{
    /// <summary>Accepted when every modelled neuron has the cell's firing pattern under the check's current.</summary>
    public static Acceptance AtRest(Network network, ConstantCurrentCheck check)
    {
        ActivitySummary[] activity = check.Run(network);
        return new Acceptance(activity.All(a => a.Kind == check.Pattern),
            $"at {check.CurrentNa:0} nA the model is {string.Join(" / ", activity.Select(a => a.ToString()))}");
    }
}

/// <summary>What <see cref="TrainingPipeline.Run"/> produced: the trained network and each stage's history.</summary>
public sealed record PipelineResult(Network Network, TrainingResult TeacherForcing, TrainingResult? MultipleShooting)
{
    /// <summary>The fit of the cells' own currents on the record with the synapses blocked, when one was given; then <see cref="TeacherForcing"/> fitted the synapses alone.</summary>
    public TrainingResult? CellsAlone { get; init; }

    /// <summary>The cells as fitted on the record with the synapses blocked (no synapses), when one was given: <see cref="Network"/> holds the same currents.</summary>
    public Network? Cells { get; init; }
}

/// <summary>One training run from a configuration: teacher forcing, then multiple shooting if asked.</summary>
public static class TrainingPipeline
{
    /// <param name="selection">A separate record that every stage selects its snapshots by (<see cref="DataSplit.Beside"/>), or null to hold out part of <paramref name="data"/>.</param>
    /// <param name="cellsAlone">A record of the same cells with their synapses blocked (e.g. picrotoxin in the STG), or null. When given,
    /// the cells' own currents are fitted on it first, with no synapses in the network (<see cref="NetworkSpec.WithoutSynapses"/>), and
    /// held while the synapses alone are fitted on <paramref name="data"/> (<see cref="Network.AdoptIntrinsic"/>), so that the synapses
    /// cannot share what the cells' own currents explain. The cells' stage leaves out the firing penalty and the 0 nA check
    /// (<see cref="TeacherForcingOptions.FiresAtNa"/>, <see cref="TeacherForcingOptions.ConstantCurrentCheck"/>): they describe the
    /// intact circuit, and cells that burst in a half-centre may be silent alone.</param>
    public static PipelineResult Run(TrainingConfig config, Dataset data, IProgress<(string Stage, EpochRecord Epoch)>? progress = null,
        CancellationToken cancel = default, Dataset? selection = null, Dataset? cellsAlone = null)
    {
        config.Check();
        NetworkSpec spec = config.BuildSpec(data.DtMs, data.Neurons.Count);
        var network = new Network(spec, config.Seed);
        TeacherForcingOptions tf = config.TeacherForcing with { Seed = config.Seed };
        TrainingResult? alone = null;
        Network? cells = null;
        if (cellsAlone is not null)
        {
            if (!network.Currents.Any(c => c.IsSynapse))
            {
                throw new UserError($"{cellsAlone.Source}: a record with the synapses blocked is for a circuit; network '{config.Network}' has no synapse");
            }

            cells = new Network(spec.WithoutSynapses(), config.Seed);
            alone = new TeacherForcingTrainer(cells, cellsAlone, tf with { FiresAtNa = [], ConstantCurrentCheck = null })
                .Train(progress is null ? null : new Relay(progress, "cells alone"), cancel);
            network.AdoptIntrinsic(cells);
        }

        TrainingResult first = new TeacherForcingTrainer(network, data, tf, selection)
            .Train(progress is null ? null : new Relay(progress, "teacher forcing"), cancel);
        TrainingResult? second = null;
        if (config.MultipleShooting is { } ms)
        {
            second = new MultipleShootingTrainer(network, data, ms with { Seed = config.Seed }, selection)
                .Train(progress is null ? null : new Relay(progress, "multiple shooting"), cancel);
        }

        return new PipelineResult(network, first, second) { CellsAlone = alone, Cells = cells };
    }

    /// <summary>
    /// Trains seed <see cref="TrainingConfig.Seed"/>, and while <paramref name="accept"/> refuses the kept
    /// model, the next seed, up to <paramref name="attempts"/> seeds: returns the first accepted run, or when
    /// none is, the one with the best validation score. What a lab does with a model that will run in a
    /// circuit: check it for the task before it goes to the rig, and fit again if it fails.
    /// <paramref name="onSeed"/> hears each seed, its run and the verdict.
    /// The next seed trains while a seed is checked (a check is mostly one thread); its progress is held back
    /// until the verdict has been told, and it is cancelled if the seed is accepted. Seeds train the same
    /// whatever else runs, so the result is that of checking them one after the other.
    /// </summary>
    public static PipelineResult RunUntilAccepted(TrainingConfig config, Dataset data, int attempts, Func<Network, Acceptance> accept,
        IProgress<(string Stage, EpochRecord Epoch)>? progress = null, Action<int, PipelineResult, Acceptance>? onSeed = null)
    {
        PipelineResult? best = null;
        PipelineResult run = Run(config, data, progress);
        for (int attempt = 0; ; attempt++)
        {
            int seed = config.Seed + attempt;
            using var cancel = new CancellationTokenSource();
            var held = new HeldProgress<(string Stage, EpochRecord Epoch)>(progress);
            Task<PipelineResult>? next = attempt + 1 < Math.Max(1, attempts)
                ? Task.Run(() => Run(config with { Seed = seed + 1 }, data, held, cancel.Token))
                : null;
            Acceptance verdict;
            try
            {
                verdict = accept(run.Network);
                onSeed?.Invoke(seed, run, verdict);
            }
            catch
            {
                cancel.Cancel();
                throw;
            }

            if (verdict.Accepted || next is null)
            {
                cancel.Cancel();
                try
                {
                    next?.Wait();
                }
                catch (AggregateException)
                {
                    // The next seed was cancelled, or failed: either way it is not needed.
                }

                return verdict.Accepted ? run : Better(best, run);
            }

            best = Better(best, run);
            held.Release();
            run = next.GetAwaiter().GetResult();
        }
    }

    private static PipelineResult Better(PipelineResult? best, PipelineResult run) =>
        best is null || Validation(run) > Validation(best) ? run : best;

    /// <summary>The selection score of a run's kept model (multiple shooting's when it ran; NaN when nothing was scored).</summary>
    public static double Validation(PipelineResult run) => (run.MultipleShooting ?? run.TeacherForcing).SelectedValidation;

    /// <summary>
    /// Free-run scores of a trained network on the part of <paramref name="data"/> that training held out
    /// (the last validation fraction of one record, or the held-out sweeps), or on the <paramref name="selection"/>
    /// record when training had one, per modelled neuron; null when the free run diverged.
    /// </summary>
    public static NeuronScore[]? ScoreHeldOut(Network network, TrainingConfig config, Dataset data, Dataset? selection = null)
    {
        TeacherForcingOptions tf = config.TeacherForcing;
        DataSplit heldOut = DataSplit.Of(network, data, selection, tf.ValidationFraction, tf.ValidationFraction, tf.TransientMs);
        SegmentRuns runs = FreeRun.RunSegments(network, heldOut.Selection, heldOut.SelectionTransient);
        return runs.Diverged ? null : Scoring.Score(network, runs.Runs, metric: tf.Metric);
    }

    private sealed class Relay(IProgress<(string, EpochRecord)> target, string stage) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => target.Report((stage, value));
    }
}
