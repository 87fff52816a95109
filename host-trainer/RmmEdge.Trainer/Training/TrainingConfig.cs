using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
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
///                                   // "pair-activity": "pair" with each cell's spike-activity current (NetworkSpec.Activity)
///                                   // "single-activity": experimental spike-activity bank (NetworkSpec.SingleNeuronWithActivity)
///                                   // "single-mechanistic": experimental K, Ca, H, KCa gating currents (NetworkSpec.SingleNeuronMechanistic)
///   "hidden": [20, 20, 20],         // hidden widths of each intrinsic lumped MLP
///   "intrinsicBankSize": 36,        // time constants of each intrinsic bank (same span; fewer: cheaper steps)
///   "target": "stm32f769i-discovery@10000",   // size the network to hold that rate on that board (rmm train)
///   "seed": 1,
///   "ridge": 0.0015,                // ρ on every MLP weight (default: the authors' LP value)
///   "synapseInput": "voltage",      // circuits: "spikeActivity" drives the synapses' banks by the presynaptic spike activity
///   "synapseActivityMv": [-20, 3],  // … whose threshold and slope (mV) these are
///   "teacherForcing": { "epochs": 200, "learningRate": 0.003, "batchSize": 38400, "inputNoise": 0.05,
///                       "minBatchesPerEpoch": 8,                            // short records: smaller batches, at least this many steps per epoch
///                       "selectionFraction": 0.3, "slopeWeightScale": 0,     // 10: weigh slow dynamics up (see TeacherForcingOptions)
///                       "voltageLowPassHz": 0 },                             // 2000: the authors' pre-filter for noisy recordings
///   "multipleShooting": { "epochs": 60, "shotLength": 30, "gamma": 0.1, "slopeWeightScale": 0,   // omit to skip stage 2
///                         "clipAboveMv": -40,                                                 // loss on min(v, θ): the slow wave
///                         "envelopeMs": 50, "envelopeMv": 200, "trainInitialStates": true }   // and on the spike-rate envelope; shots from the data's states when false
/// }
/// </code>
/// </summary>
public sealed record TrainingConfig
{
    public string Network { get; init; } = "single";
    public int[] Hidden { get; init; } = [20, 20, 20];
    public int Seed { get; init; } = 1;

    /// <summary>
    /// The ridge weight ρ on every MLP weight; null: <see cref="NetworkSpec.Ridge"/>'s default (the
    /// authors' LP value, 1.5e-3). The authors' half-centre used 5e-8; on the synthetic half-centre
    /// (<see cref="HalfCentre"/> at 200 epochs, seed 1) 1e-5 and 5e-8 gave synaptic r 0.75 / 0.70
    /// against 0.79 / 0.77 with the default, so the default stays.
    /// </summary>
    public float? Ridge { get; init; }

    /// <summary>
    /// The slowest time constant (ms) of every intrinsic bank: its geometric grid is extended (or cut)
    /// to end there (NetworkSpec.WithSlowestTau); null keeps the network's own (486 ms for the intrinsic
    /// bank, 545 ms for the spike-activity bank).
    /// </summary>
    public double? SlowestTauMs { get; init; }

    /// <summary>
    /// The number of time constants of every intrinsic bank, on the same span (NetworkSpec.WithIntrinsicBankSize);
    /// null keeps the network's own (36). A smaller bank is the largest saving in a step's cost.
    /// </summary>
    public int? IntrinsicBankSize { get; init; }

    /// <summary>
    /// "BOARD[@RATE]": the board profile (boards/) the model must run on, at RATE Hz (default: the model's
    /// step rate). `rmm train` then sizes the network (hidden widths, bank size, 16 or 8 bits) so that its
    /// compiled step holds the rate on that board's native engine, measured on the emulated core
    /// (RmmEdge.Trainer.Compile.BoardSizing), and refuses when nothing fits.
    /// </summary>
    public string? Target { get; init; }

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

    /// <summary>Circuits: what drives the synapses' filter banks: the presynaptic voltage or its spike activity.</summary>
    public BankInput SynapseInput { get; init; } = BankInput.Voltage;

    /// <summary>Circuits with spike-activity synapses: [threshold, slope] (mV) of the presynaptic activity σ((v − θ)/k).</summary>
    public double[]? SynapseActivityMv { get; init; }

    /// <summary>
    /// The recipe for a two-cell circuit such as a half-centre oscillator: synapses driven by the
    /// presynaptic spike activity, slope weights, and the authors' half-centre teacher forcing (600
    /// epochs at η 0.001). On the synthetic half-centre (shared/data/synthetic hco1, clean, seeds 1–3;
    /// RmmEdge.Bench half-centre) the free run's burst periods were −9.5 / +3.3, −0.3 / +6.7 and
    /// −1.7 / −14.4 % of the data's, phases 0.509, 0.491, 0.559 (data 0.496), and the predicted synaptic
    /// currents' Pearson r with the true ones 0.856 / 0.863, 0.858 / 0.857, 0.666 / 0.641. With 200
    /// epochs at η 0.003 the same synapses reached r 0.79 / 0.77, 0.72 / 0.69, 0.72 / 0.74.
    /// </summary>
    public static TrainingConfig HalfCentre => new()
    {
        Network = "pair",
        SynapseInput = BankInput.SpikeActivity,
        TeacherForcing = new TeacherForcingOptions
        {
            Epochs = 600, LearningRate = 0.001f, FinalLearningRate = 1e-4f, SlopeWeightScale = 10, InputNoise = 0.02f,
        },
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static TrainingConfig Load(string path) => FromJson(UserFiles.ReadAllText(path, 1 << 20, "a training configuration"), path);

    /// <summary>A configuration from its JSON text; a UserError names <paramref name="source"/> and the problem.</summary>
    public static TrainingConfig FromJson(string text, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainingConfig>(text, Json)
                ?? throw new UserError($"{source}: empty training configuration");
        }
        catch (JsonException e)
        {
            throw new UserError($"{source}: not a valid training configuration: {Describe(e)}");
        }
    }

    /// <summary>The field and what it accepts (an enum's names, a number, …) where the path leads to one; else the serializer's message.</summary>
    private static string Describe(JsonException e)
    {
        string path = e.Path?.TrimStart('$', '.') ?? "";
        Type? type = typeof(TrainingConfig);
        foreach (string part in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            int index = part.IndexOf('[');
            string name = index < 0 ? part : part[..index];
            type = type?.GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
            type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
            if (type is not null && index >= 0)
            {
                type = type.IsArray ? type.GetElementType() : null;
            }
        }

        string? expected = type is null ? null
            : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.CamelCase.ConvertName))
            : type == typeof(int) ? "a whole number"
            : type == typeof(float) || type == typeof(double) ? "a number"
            : type == typeof(bool) ? "true or false"
            : type == typeof(string) ? "a string in quotes"
            : null;
        return expected is null ? e.Message : $"{path}: expected {expected}";
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Largest number of epochs of either stage.</summary>
    public const int MaxEpochs = 1_000_000;

    /// <summary>
    /// Checks every numeric field before any data is read or any work done: epochs 1–<see cref="MaxEpochs"/>,
    /// learning rates finite and &gt; 0, β in [0, 1), fractions in (0, 1), sizes ≥ 1, weights and noise ≥ 0.
    /// A UserError names the configuration field (and the CLI option that sets it).
    /// </summary>
    public void Check()
    {
        TeacherForcingOptions tf = TeacherForcing ?? throw new UserError("teacherForcing: missing");
        Stage("teacherForcing", "--epochs", tf.Epochs, tf.LearningRate, tf.FinalLearningRate, tf.Beta1, tf.Beta2, tf.ValidateEvery,
            tf.ValidationFraction, tf.SelectionFraction, tf.Partitions, tf.MaxThreads);
        Whole(tf.BatchSize, 1, 10_000_000, "teacherForcing.batchSize");
        Whole(tf.MinBatchesPerEpoch, 1, 100_000, "teacherForcing.minBatchesPerEpoch");
        NotNegative(tf.InputNoise, "teacherForcing.inputNoise");
        NotNegative(tf.PolishInputNoise, "teacherForcing.polishInputNoise");
        NotNegative(tf.SlopeWeightScale, "teacherForcing.slopeWeightScale");
        NotNegative(tf.VoltageLowPassHz, "teacherForcing.voltageLowPassHz");
        Whole(tf.SelectionPerturbations, 0, 16, "teacherForcing.selectionPerturbations");
        Whole(tf.PolishIterations, 0, 1_000_000, "teacherForcing.polishIterations (--polish)");
        tf.ConstantCurrentCheck?.CheckValues("teacherForcing.constantCurrentCheck");
        NotNegative(tf.RestStability, "teacherForcing.restStability");
        NotNegative(tf.FiringStability, "teacherForcing.firingStability");
        if (tf.FiresAtNa is null || tf.FiresAtNa.Any(i => !(Math.Abs(i) <= 100)))
        {
            throw new UserError($"teacherForcing.firesAtNa: expected a list of currents in nA within ±100");
        }

        if (tf.TransientMs is double transient)
        {
            NotNegative(transient, "teacherForcing.transientMs (--warmup-ms)");
        }

        if (MultipleShooting is { } ms)
        {
            Stage("multipleShooting", "--ms-epochs", ms.Epochs, ms.LearningRate, ms.FinalLearningRate, ms.Beta1, ms.Beta2, ms.ValidateEvery,
                ms.ValidationFraction, ms.SelectionFraction, ms.Partitions, ms.MaxThreads);
            Whole(ms.ShotLength, 1, 100_000, "multipleShooting.shotLength");
            Whole(ms.ShotsPerBatch, 1, 10_000_000, "multipleShooting.shotsPerBatch");
            NotNegative(ms.ContinuityV, "multipleShooting.continuityV");
            NotNegative(ms.ContinuityX, "multipleShooting.continuityX");
            if (!(ms.Gamma >= 0 && ms.Gamma <= 1))
            {
                throw new UserError($"multipleShooting.gamma (--gamma): {ms.Gamma}; expected 0–1");
            }

            NotNegative(ms.SlopeWeightScale, "multipleShooting.slopeWeightScale");
            NotNegative(ms.EnvelopeMs, "multipleShooting.envelopeMs");
            if (ms.EnvelopeMs > 0 && !(ms.EnvelopeMv > 0 && float.IsFinite(ms.EnvelopeMv)))
            {
                throw new UserError($"multipleShooting.envelopeMv: {ms.EnvelopeMv}; expected a finite number > 0 (mV per unit of spike activity)");
            }
        }

        if (Hidden is null)
        {
            throw new UserError("hidden: missing");
        }
    }

    /// <summary>The fields both training stages have (their epoch loop, schedule, selection and partitions).</summary>
    private static void Stage(string stage, string option, int epochs, float learningRate, float finalLearningRate, float beta1, float beta2,
        int validateEvery, double validationFraction, double selectionFraction, int partitions, int maxThreads)
    {
        Whole(epochs, 1, MaxEpochs, $"{stage}.epochs ({option})");
        Rate(learningRate, $"{stage}.learningRate");
        Rate(finalLearningRate, $"{stage}.finalLearningRate");
        Beta(beta1, $"{stage}.beta1");
        Beta(beta2, $"{stage}.beta2");
        Whole(validateEvery, 0, MaxEpochs, $"{stage}.validateEvery");
        Fraction(validationFraction, $"{stage}.validationFraction");
        Fraction(selectionFraction, $"{stage}.selectionFraction");
        Whole(partitions, 1, 256, $"{stage}.partitions");
        Whole(maxThreads, 1, 1024, $"{stage}.maxThreads");
    }

    private static void Whole(int value, int min, int max, string field)
    {
        if (value < min || value > max)
        {
            throw new UserError($"{field}: {value}; expected {min:N0}–{max:N0}");
        }
    }

    private static void Rate(float value, string field)
    {
        if (!(value > 0) || !float.IsFinite(value))
        {
            throw new UserError($"{field}: {value}; expected a finite number > 0");
        }
    }

    private static void Beta(float value, string field)
    {
        if (!(value >= 0 && value < 1))
        {
            throw new UserError($"{field}: {value}; expected 0 ≤ β < 1");
        }
    }

    private static void Fraction(double value, string field)
    {
        if (!(value > 0 && value < 1))
        {
            throw new UserError($"{field}: {value}; expected a fraction between 0 and 1");
        }
    }

    private static void NotNegative(double value, string field)
    {
        if (!(value >= 0) || !double.IsFinite(value))
        {
            throw new UserError($"{field}: {value}; expected a finite number ≥ 0");
        }
    }

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

    private (double ThresholdMv, double SlopeMv) SynapseActivity()
    {
        if (SynapseActivityMv is null)
        {
            return (CurrentSpec.SpikeThresholdMv, CurrentSpec.SpikeSlopeMv);
        }

        if (SynapseInput != BankInput.SpikeActivity)
        {
            throw new UserError("synapseActivityMv applies only with synapseInput spikeActivity");
        }

        if (SynapseActivityMv.Length != 2 || !double.IsFinite(SynapseActivityMv[0]) || !(SynapseActivityMv[1] > 0 && double.IsFinite(SynapseActivityMv[1])))
        {
            throw new UserError($"synapseActivityMv: expected [threshold, slope] in mV with slope > 0, got [{string.Join(", ", SynapseActivityMv)}]");
        }

        return (SynapseActivityMv[0], SynapseActivityMv[1]);
    }

    /// <summary>The network this configuration describes, for data sampled at <paramref name="dtMs"/>.</summary>
    public NetworkSpec BuildSpec(double dtMs, int neuronsInData)
    {
        if (SynapseWindowMv is not null && Network is not ("pair" or "pair-activity" or "pair-external"))
        {
            throw new UserError($"synapseWindowMv applies to circuits (pair, pair-activity, pair-external), not to network '{Network}'");
        }

        if (SynapseInput != BankInput.Voltage && Network is not ("pair" or "pair-activity" or "pair-external"))
        {
            throw new UserError($"synapseInput applies to circuits (pair, pair-activity, pair-external), not to network '{Network}'");
        }

        if (SynapseInput != BankInput.Voltage && SynapseWindowMv is not null)
        {
            throw new UserError("synapseWindowMv is a presynaptic voltage range; it cannot be combined with synapseInput spikeActivity");
        }

        (double ThresholdMv, double SlopeMv) activity = SynapseActivity();
        (NetworkSpec spec, int neurons) = Network switch
        {
            "single" => (NetworkSpec.SingleNeuron(dtMs, Hidden), 1),
            "single-activity" => (NetworkSpec.SingleNeuronWithActivity(dtMs, Hidden), 1),
            "single-mechanistic" => (NetworkSpec.SingleNeuronMechanistic(dtMs, Hidden), 1),
            "pair" or "pair-activity" or "pair-external" => (NetworkSpec.Pair(dtMs, Hidden, externalSecond: Network == "pair-external", synapseWindowMv: SynapseWindow(),
                synapseInput: SynapseInput, synapseActivityThresholdMv: activity.ThresholdMv, synapseActivitySlopeMv: activity.SlopeMv,
                spikeActivity: Network == "pair-activity"), 2),
            _ => throw new UserError($"unknown network '{UserError.Printable(Network ?? "")}'; use single, pair, pair-activity, pair-external, single-activity or single-mechanistic"),
        };
        if (SlowestTauMs is { } slowest && !(slowest > 0 && slowest <= SpecLimits.MaxTauMs))
        {
            throw new UserError($"slowestTauMs: expected a time constant in (0, {SpecLimits.MaxTauMs:G}] ms, got {slowest}");
        }

        if (IntrinsicBankSize is { } size && !(size >= 2 && size <= SpecLimits.MaxBankSize))
        {
            throw new UserError($"intrinsicBankSize: {size}; expected 2–{SpecLimits.MaxBankSize} time constants");
        }

        try
        {
            spec = SlowestTauMs is { } tau ? spec.WithSlowestTau(tau) : spec;
            spec = IntrinsicBankSize is { } bank ? spec.WithIntrinsicBankSize(bank) : spec;
            SpecLimits.Check(spec);
        }
        catch (ArgumentException e)
        {
            throw new UserError($"the configured network is out of bounds: {e.Message} (hidden: {string.Join(", ", Hidden)})", e);
        }

        if (Ridge is { } ridge)
        {
            if (!(ridge >= 0) || float.IsInfinity(ridge))
            {
                throw new UserError($"ridge: expected a finite number ≥ 0, got {ridge}");
            }

            spec = spec with { Ridge = ridge };
        }

        if (neurons != neuronsInData)
        {
            throw new UserError($"network '{Network}' has {neurons} neuron(s) but the data holds {neuronsInData}");
        }

        return spec;
    }
}
