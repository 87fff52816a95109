using System.Text.Json;
using System.Text.Json.Serialization;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// A reproducible training run (`rmm train --config FILE`), as JSON. Every field is optional; the
/// defaults are the authors' recipe as adapted in <see cref="TeacherForcingOptions"/> (stage 1) and,
/// when <see cref="MultipleShooting"/> is present, <see cref="MultipleShootingOptions"/> (stage 2).
/// <code>
/// {
///   "network": "single",            // "single": one neuron; "pair": two coupled neurons (half-centre);
///                                   // "pair-external": neuron 1 modelled, neuron 2 measured;
///                                   // "single-activity": experimental spike-activity bank (NetworkSpec.SingleNeuronWithActivity)
///   "hidden": [20, 20, 20],         // hidden widths of each intrinsic lumped MLP
///   "seed": 1,
///   "teacherForcing": { "epochs": 200, "learningRate": 0.003, "batchSize": 38400, "inputNoise": 0.05,
///                       "selectionFraction": 0.3, "slopeWeightScale": 0,     // 10: weigh slow dynamics up (see TeacherForcingOptions)
///                       "voltageLowPassHz": 0 },                             // 2000: the authors' pre-filter for noisy recordings
///   "multipleShooting": { "epochs": 60, "shotLength": 30, "gamma": 0.1 }   // omit to skip stage 2
/// }
/// </code>
/// </summary>
public sealed record TrainingConfig
{
    public string Network { get; init; } = "single";
    public int[] Hidden { get; init; } = [20, 20, 20];
    public int Seed { get; init; } = 1;
    public TeacherForcingOptions TeacherForcing { get; init; } = new();
    public MultipleShootingOptions? MultipleShooting { get; init; }

    /// <summary>
    /// Circuits: the presynaptic voltage range (mV, [low, high]) that the synapses' activation sees
    /// (CurrentSpec.InputWindowMv); null: the training data's range. Measured on the synthetic
    /// half-centre (shared/data/synthetic hco1, seed 1, 200 epochs, Pearson r of the predicted with the
    /// true synaptic currents on the test file): data range 0.64 / 0.70, [−60, −30] 0.56 / 0.60,
    /// [−60, −40] (the authors' choice) 0.54 / 0.63. So it is off by default.
    /// </summary>
    public double[]? SynapseWindowMv { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static TrainingConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path}: no such training configuration file");
        }

        try
        {
            return JsonSerializer.Deserialize<TrainingConfig>(File.ReadAllText(path), Json)
                ?? throw new UserError($"{path}: empty training configuration");
        }
        catch (JsonException e)
        {
            throw new UserError($"{path}: not a valid training configuration: {e.Message}");
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private MvRange? SynapseWindow()
    {
        if (SynapseWindowMv is null)
        {
            return null;
        }

        if (SynapseWindowMv.Length != 2 || !(SynapseWindowMv[0] < SynapseWindowMv[1]))
        {
            throw new UserError($"synapseWindowMv: expected [low, high] in mV with low < high, got [{string.Join(", ", SynapseWindowMv)}]");
        }

        return new MvRange(SynapseWindowMv[0], SynapseWindowMv[1]);
    }

    /// <summary>The network this configuration describes, for data sampled at <paramref name="dtMs"/>.</summary>
    public NetworkSpec BuildSpec(double dtMs, int neuronsInData)
    {
        if (SynapseWindowMv is not null && Network is not ("pair" or "pair-external"))
        {
            throw new UserError($"synapseWindowMv applies to circuits (pair, pair-external), not to network '{Network}'");
        }

        (NetworkSpec spec, int neurons) = Network switch
        {
            "single" => (NetworkSpec.SingleNeuron(dtMs, Hidden), 1),
            "single-activity" => (NetworkSpec.SingleNeuronWithActivity(dtMs, Hidden), 1),
            "pair" => (NetworkSpec.Pair(dtMs, Hidden, synapseWindowMv: SynapseWindow()), 2),
            "pair-external" => (NetworkSpec.Pair(dtMs, Hidden, externalSecond: true, synapseWindowMv: SynapseWindow()), 2),
            _ => throw new UserError($"unknown network '{Network}'; use single, pair, pair-external or single-activity"),
        };
        if (neurons != neuronsInData)
        {
            throw new UserError($"network '{Network}' has {neurons} neuron(s) but the data holds {neuronsInData}");
        }

        return spec;
    }
}

/// <summary>What <see cref="TrainingPipeline.Run"/> produced: the trained network and each stage's history.</summary>
public sealed record PipelineResult(Network Network, TrainingResult TeacherForcing, TrainingResult? MultipleShooting);

/// <summary>One training run from a configuration: teacher forcing, then multiple shooting if asked.</summary>
public static class TrainingPipeline
{
    public static PipelineResult Run(TrainingConfig config, Dataset data, IProgress<(string Stage, EpochRecord Epoch)>? progress = null,
        CancellationToken cancel = default)
    {
        var network = new Network(config.BuildSpec(data.DtMs, data.Neurons.Count), config.Seed);
        TeacherForcingOptions tf = config.TeacherForcing with { Seed = config.Seed };
        TrainingResult first = new TeacherForcingTrainer(network, data, tf)
            .Train(progress is null ? null : new Relay(progress, "teacher forcing"), cancel);
        TrainingResult? second = null;
        if (config.MultipleShooting is { } ms)
        {
            second = new MultipleShootingTrainer(network, data, ms with { Seed = config.Seed })
                .Train(progress is null ? null : new Relay(progress, "multiple shooting"), cancel);
        }

        return new PipelineResult(network, first, second);
    }

    private sealed class Relay(IProgress<(string, EpochRecord)> target, string stage) : IProgress<EpochRecord>
    {
        public void Report(EpochRecord value) => target.Report((stage, value));
    }
}
