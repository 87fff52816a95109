using System.Diagnostics;
using System.Text.Json.Serialization;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Settings every epoch-based trainer shares: Adam with a cosine learning-rate schedule, the seed, the
/// fixed gradient partitions, and how snapshots are scored and selected. Teacher forcing
/// (<see cref="TeacherForcingOptions"/>) and multiple shooting (<see cref="MultipleShootingOptions"/>)
/// add their own; the defaults here are teacher forcing's, and multiple shooting sets its own in its constructor.
/// A stored configuration lists these first (JsonPropertyOrder), then the trainer's own.
/// </summary>
public abstract record EpochOptions
{
    [JsonPropertyOrder(-1)]
    public int Epochs { get; init; } = 200;

    [JsonPropertyOrder(-1)]
    public float LearningRate { get; init; } = 0.003f;

    /// <summary>
    /// Learning rate reached at the last epoch by a cosine schedule from <see cref="LearningRate"/>
    /// (equal to it: constant, the authors' choice).
    /// </summary>
    [JsonPropertyOrder(-1)]
    public float FinalLearningRate { get; init; } = 1e-4f;

    [JsonPropertyOrder(-1)]
    public float Beta1 { get; init; } = 0.9f;

    [JsonPropertyOrder(-1)]
    public float Beta2 { get; init; } = 0.9f;

    [JsonPropertyOrder(-1)]
    public int Seed { get; init; } = 1;

    /// <summary>Free-run validation every this many epochs (0: never; the final model is kept).</summary>
    [JsonPropertyOrder(-1)]
    public int ValidateEvery { get; init; } = 5;

    /// <summary>Fraction of the record held out from training: its end, or evenly spread segments (<see cref="DataSplit"/>).</summary>
    [JsonPropertyOrder(-1)]
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>
    /// Fraction of the record (at its end) free-run to score snapshots: the held-out tail and, when
    /// larger than <see cref="ValidationFraction"/>, the end of the training part before it. Burst
    /// statistics need bursts: a 6 s tail may hold only three (shared/data/synthetic, neuron A), 18 s
    /// hold twenty. Training never sees a free run of the held-out part, so scoring the free run over training time
    /// still measures what the regression did not fit; the final verdict is on a separate test record.
    /// </summary>
    [JsonPropertyOrder(-1)]
    public double SelectionFraction { get; init; } = 0.3;

    /// <summary>Fixed number of gradient partitions (not threads): results do not depend on the core count.</summary>
    [JsonPropertyOrder(-1)]
    public int Partitions { get; init; } = 4;

    /// <summary>Threads used for the gradient partitions (default: every core). Does not change results.</summary>
    [JsonPropertyOrder(-1)]
    public int MaxThreads { get; init; } = Environment.ProcessorCount;

    [JsonPropertyOrder(-1)]
    public SpikeMetricSettings Metric { get; init; } = SpikeMetricSettings.Lp;

    /// <summary>How snapshots are scored on the validation free run.</summary>
    [JsonPropertyOrder(-1)]
    public SelectionRule Selection { get; init; } = SelectionRule.BurstAware;

    /// <summary>The learning rate of <paramref name="epoch"/> (1-based): cosine from <see cref="LearningRate"/> to <see cref="FinalLearningRate"/>.</summary>
    public float LearningRateAt(int epoch)
    {
        double fraction = Epochs > 1 ? (epoch - 1.0) / (Epochs - 1) : 1;
        return (float)(FinalLearningRate + (LearningRate - FinalLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * fraction)));
    }
}

/// <summary>The score by which a training snapshot is selected (higher is better).</summary>
public enum SelectionRule
{
    /// <summary>The authors' angular separation of band-passed, thresholded, smoothed voltages.</summary>
    AngularSeparation,

    /// <summary>
    /// Angular separation minus the relative burst-period error minus the spikes-per-burst error
    /// relative to the data's, when the validation data holds at least two bursts (metrics.md rules);
    /// the angular separation alone otherwise. The angular separation rewards spike timing but barely
    /// sees a burst with three extra spikes; this rule also sees the burst statistics users judge by.
    /// </summary>
    BurstAware,
}

/// <summary>One line of the training history.</summary>
/// <param name="Epoch">1-based epoch (0: the starting model, where it was scored).</param>
/// <param name="TrainLoss">Mean loss over the epoch's samples or shots, without the ridge term (teacher forcing: squared dv/dt error, (mV/ms)²).</param>
/// <param name="Validation">Selection metric of the free run on the validation part, when computed.</param>
/// <param name="Seconds">Wall time since training started.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double? Validation, double Seconds)
{
    /// <summary>
    /// The parameters that were scored (<see cref="Network.Snapshot"/>), on a validated epoch; null elsewhere. Snapshots
    /// are scored beside training, so when an epoch is reported the network has already trained on: whoever looks at a
    /// reported snapshot restores this copy, not the live network.
    /// </summary>
    public float[][]? Snapshot { get; init; }
}

/// <summary>What training produced: the selected model is left in the network.</summary>
public sealed record TrainingResult(IReadOnlyList<EpochRecord> History, int SelectedEpoch, double SelectedValidation,
    int TrainingSamples, double Seconds)
{
    /// <summary>How the record was divided between fitting and selection, and the transient (<see cref="DataSplit.Description"/>).</summary>
    public string Split { get; init; } = "";

    /// <summary>Where the rest-stability penalty applied and what it left (empty when it was off).</summary>
    public string RestStability { get; init; } = "";

    /// <summary>What teacher forcing's L-BFGS polish did (<see cref="PolishStage"/>); empty when it did not run.</summary>
    public string Polish { get; init; } = "";

    /// <summary>The mini-batches of an epoch, e.g. "8 mini-batches of 4,350 samples per epoch (…)"; empty where the trainer has none to state.</summary>
    public string Batches { get; init; } = "";

    /// <summary>Wall time spent free-running snapshots to select one (beside training, where <see cref="SelectionWaitSeconds"/> is set).</summary>
    public double SelectionSeconds { get; init; }

    /// <summary>Of <see cref="Seconds"/>, the wall time training stood still waiting for a snapshot's score; null: selection ran in line.</summary>
    public double? SelectionWaitSeconds { get; init; }

    /// <summary>"12.3 s, of which selection 8.1 s (66 %)", or with selection beside training "12.3 s, of which waiting for selection 0.4 s (3 %; its free runs took 4.1 s beside training)".</summary>
    public string Timing => SelectionWaitSeconds is double wait
        ? $"{Seconds:0.0} s, of which waiting for selection {wait:0.0} s ({Share(wait)}; its free runs took {SelectionSeconds:0.0} s beside training)"
        : $"{Seconds:0.0} s, of which selection {SelectionSeconds:0.0} s ({Share(SelectionSeconds)})";

    /// <summary>Each epoch's wall time (s), in epoch order, from <see cref="History"/>'s running times.</summary>
    public double[] EpochSeconds() => History.Select((r, i) => r.Seconds - (i == 0 ? 0 : History[i - 1].Seconds)).ToArray();

    /// <summary>The median epoch's wall time (s): what an epoch costs once set-up and the JIT's tiering are past.</summary>
    public double MedianEpochSeconds()
    {
        double[] sorted = EpochSeconds().Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private string Share(double part) => $"{(Seconds > 0 ? part / Seconds : 0):P0}";

    /// <summary>
    /// "epoch 9 selected (validation 0.655 -> 0.720)": the starting model's score, where it was scored, then
    /// the kept one's; "epoch 60 kept (the last; no snapshot was validated)" when validation was off.
    /// </summary>
    public string Selection => double.IsNaN(SelectedValidation)
        ? $"epoch {SelectedEpoch} kept (the last; no snapshot was validated)"
        : $"epoch {SelectedEpoch} selected (validation {(History.Count > 0 && History[0].Validation is double start ? $"{start:0.000} -> " : "")}{SelectedValidation:0.000})";
}

/// <summary>What a trainer gives <see cref="EpochLoop"/>: its mini-batches and their gradients.</summary>
internal interface IMiniBatches
{
    /// <summary>Prepares <paramref name="epoch"/> (shuffles the samples or shots) and returns how many mini-batches it has.</summary>
    int BeginEpoch(int epoch);

    /// <summary>
    /// Adds the gradient of mini-batch <paramref name="batch"/>'s loss to every parameter's Grad (cleared
    /// before the call) and returns the batch's loss sum and how many samples or shots it is a sum over.
    /// </summary>
    (double LossSum, long Count) AddGradient(int epoch, int batch);
}

/// <summary>
/// The loop both trainers run: per epoch the cosine learning rate, then per mini-batch the trainer's
/// gradient, ridge and chain terms (<see cref="Regularization"/>) and an Adam step; every
/// <see cref="EpochOptions.ValidateEvery"/> epochs a snapshot, scored by free run beside training, several
/// side by side (<see cref="BackgroundSelection"/>), and at the end the best-scoring snapshot restored. Epochs are
/// reported in order, each validation epoch with its score. Seeded and deterministic.
/// </summary>
internal sealed class EpochLoop
{
    private readonly Network _network;
    private readonly EpochOptions _options;
    private readonly Parameter[] _parameters;
    private readonly Func<Network, SnapshotValidator> _validator;

    /// <param name="parameters">Everything Adam updates: the network's trainable parameters and any of the trainer's own.</param>
    /// <param name="validator">Builds the snapshot validator for the copy of the network that selection free-runs.</param>
    public EpochLoop(Network network, EpochOptions options, Parameter[] parameters, Func<Network, SnapshotValidator> validator)
    {
        _network = network;
        _options = options;
        _parameters = parameters;
        _validator = validator;
    }

    /// <param name="scoreStart">Also score the network as it starts (epoch 0), so the kept model is never worse than the start by the validation measure.</param>
    public TrainingResult Run(IMiniBatches batches, int trainingSamples, bool scoreStart, IProgress<EpochRecord>? progress, CancellationToken cancel)
    {
        var adam = new Adam(_parameters, _options.LearningRate, _options.Beta1, _options.Beta2);
        var history = new List<EpochRecord>();
        var clock = Stopwatch.StartNew();
        float[][]? best = null;
        int bestEpoch = 0;
        double bestScore = double.NegativeInfinity;
        BackgroundSelection? selection = _options.ValidateEvery > 0 ? new BackgroundSelection(_network, _validator) : null;

        // Epochs wait here until the score of the snapshot they follow is known, so they are
        // reported in order and each validation epoch with its score.
        var unreported = new List<EpochRecord>();
        void Scored(IReadOnlyList<BackgroundSelection.Scored> arrived)
        {
            foreach (BackgroundSelection.Scored scored in arrived)
            {
                if (scored.Score > bestScore)
                {
                    bestScore = scored.Score;
                    bestEpoch = scored.Epoch;
                    best = scored.Snapshot;
                }

                int at = unreported.FindIndex(r => r.Epoch == scored.Epoch);
                unreported[at] = unreported[at] with { Validation = scored.Score, Snapshot = scored.Snapshot };
            }

            int pending = selection?.PendingEpoch ?? -1;
            int ready = pending < 0 ? unreported.Count : unreported.FindIndex(r => r.Epoch == pending);
            foreach (EpochRecord record in unreported.Take(ready))
            {
                history.Add(record);
                progress?.Report(record);
            }

            unreported.RemoveRange(0, ready);
        }

        if (scoreStart)
        {
            unreported.Add(new EpochRecord(0, double.NaN, null, 0));
            Scored(selection?.Submit(0, _network.Snapshot()) ?? []);
        }

        for (int epoch = 1; epoch <= _options.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            adam.LearningRate = _options.LearningRateAt(epoch);
            int count = batches.BeginEpoch(epoch);
            double lossSum = 0;
            long samples = 0;
            for (int batch = 0; batch < count; batch++)
            {
                foreach (Parameter p in _parameters) { Array.Clear(p.Grad); }
                (double loss, long n) = batches.AddGradient(epoch, batch);
                lossSum += loss;
                samples += n;
                Regularization.AddRidgeAndChain(_network);
                adam.Step();
                _network.RefreshEffective();
            }

            unreported.Add(new EpochRecord(epoch, lossSum / samples, null, clock.Elapsed.TotalSeconds));
            bool validate = selection is not null && (epoch % _options.ValidateEvery == 0 || epoch == _options.Epochs);
            Scored(validate ? selection!.Submit(epoch, _network.Snapshot()) : []);
        }

        Scored(selection?.Finish() ?? []);

        if (best is not null)
        {
            _network.Restore(best);
        }
        else
        {
            bestEpoch = _options.Epochs;
            bestScore = double.NaN;
        }

        return new TrainingResult(history, bestEpoch, bestScore, trainingSamples, clock.Elapsed.TotalSeconds)
        {
            SelectionSeconds = selection?.FreeRunSeconds ?? 0,
            SelectionWaitSeconds = selection?.WaitSeconds ?? 0,
        };
    }
}
