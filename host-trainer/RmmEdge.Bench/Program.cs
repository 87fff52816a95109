using System.Globalization;
using RmmEdge.Bench;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

// dotnet run -c Release --project host-trainer/RmmEdge.Bench -- MODE [options]
//   MODE: teacher-forcing | multiple-shooting | scaling | neuron-a | half-centre [--fires-at NA,…] [--cells-alone] | generalisation [--rest F] [--quiet F] [--steps MIN_MS:MAX_MS] [--range-na LOW:HIGH] [--models DIR] [--train-seconds S] [--probes-in-training SEED] [--selection-record SEED] [--ensemble K] | anatomy --models DIR [the generalisation run's --rest/--quiet/--steps/--range-na/--train-seconds] | snapshots [--selection-record SEED] | fixed-drift --models DIR | cells | cell-spread [--cells a,…] | real [--only NAME,NAME] [--rmm PATH] [-- TRAIN OPTIONS]
//   [--epochs N] [--ms-epochs N [--ms-lr R] [--ms-shot S] [--ms-gamma G] [--ms-slope-weight MV_PER_MS] [--ms-selection-fraction F]]
//   [--seeds 1,2,3] [--shared DIR] [--selection-fraction F] [--kinds clean,noisy] [--slope-weight MV_PER_MS] [--input-noise SD]
//   [--lowpass HZ] [--activity] [--batch-size N] [--config FILE] [--cells a,lp-4]
var o = BenchArguments.Parse(args);
switch (o.Mode)
{
    case "teacher-forcing": TeacherForcingBench.Run(o.Epochs ?? 200, Console.Out); break;
    case "multiple-shooting": MultipleShootingBench.Run(o.Epochs ?? 3, Console.Out); break;
    case "scaling": ScalingBench.Run(o.Epochs ?? 10, Console.Out); break;
    case "scaling-one": ScalingBench.RunOne(o.Seconds, o.Width, o.StreamAboveMb, o.Epochs ?? 10, o.Peak, Console.Out); break;
    case "neuron-a": NeuronABench.Run(o.Shared, o.Kinds, o.Epochs ?? 200, o.MultipleShooting(), o.Seeds, o.SelectionFraction, o.SlopeScale, o.InputNoise, o.LowPassHz, o.Activity, o.BatchSize, Console.Out); break;
    case "generalisation": GeneralisationBench.Run(o.ConfigPath is null ? o.NeuronARecipe() : TrainingConfig.Load(o.ConfigPath),
        o.Stimulus(), o.Cells, o.Seeds, Console.Out, o.Models, o.TrainSeconds, o.RestCheck, o.ProbesInTraining, o.FiresAt, o.SelectionRecord, o.EnsembleSize); break;
    case "snapshots": SnapshotsBench.Run(o.ConfigPath is null ? o.NeuronARecipe() : TrainingConfig.Load(o.ConfigPath),
        o.Stimulus(), o.Cells, o.Seeds, o.TrainSeconds, Console.Out, o.SelectionRecord); break;
    case "fixed-drift": FixedDriftBench.Run(o.Models ?? "bench-models", o.Cells, Console.Out); break;
    case "anatomy": FreeRunAnatomyBench.Run(o.Models ?? "bench-models", o.Cells, o.Seeds, o.Stimulus(), o.TrainSeconds, Console.Out); break;
    case "cells": CellsBench.Run([0.020, 0.030], Console.Out); break;
    case "cell-spread": CellSpreadBench.Run(o.Cells, Console.Out); break;
    case "real": return RealCellsBench.Run(Path.Combine(o.Shared, "recordings"), o.Rmm, o.Only, o.SeedList?[0] ?? 1, o.TrainOptions, Console.Out);
    case "half-centre": HalfCentreBench.Run(o.Shared, o.Kinds, o.ConfigPath is null ? TrainingConfig.HalfCentre : TrainingConfig.Load(o.ConfigPath), o.Seeds, Console.Out, o.FiresAt, o.CellsAlone); break;
    default: Console.Error.WriteLine($"unknown benchmark '{o.Mode}'; use teacher-forcing, multiple-shooting, scaling, scaling-one, neuron-a, half-centre, generalisation, snapshots, fixed-drift, anatomy, cells, cell-spread or real"); return 2;
}

return 0;

/// <summary>The benchmark's command line (a developer tool: options as listed at the top of Program.cs).</summary>
internal sealed class BenchArguments
{
    public string Mode = "teacher-forcing";
    public int? Epochs;
    public int Seconds = 60;
    public int Width = 10;
    public int? StreamAboveMb;
    public double Peak = double.NaN;
    public int MsEpochs;
    public int MsShot = new MultipleShootingOptions().ShotLength;
    public float? MsRate;
    public float MsGamma;
    public float MsSlope;
    public double? MsSelection;
    public int[]? SeedList;
    public bool RestCheck;
    public int ProbesInTraining;

    /// <summary>Not 0: selection runs on a separate record mixing stimulus classes (SelectionStimuli), its training segment drawn with this seed.</summary>
    public int SelectionRecord;

    /// <summary>Above 1: the generalisation bench also judges the mean model (Ensemble.Of) of each K consecutive seeds.</summary>
    public int EnsembleSize;

    /// <summary>half-centre: fit the cells on a record with the synapses blocked first, then the synapses alone on the circuit's record.</summary>
    public bool CellsAlone;
    public float[]? FiresAt;
    public int[] Seeds => SeedList ?? [1, 2, 3];
    public string[]? Only;
    public string[] TrainOptions = [];
    public string Rmm = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "RmmEdge.Cli", "bin", "Release", "net10.0", "rmm"));
    public double? SelectionFraction;
    public float SlopeScale;
    public float? InputNoise;
    public double LowPassHz;

    /// <summary>Teacher forcing's mini-batch (neuron-a; null: the recipe's).</summary>
    public int? BatchSize;
    public double Rest = BuiltInData.RhythmRestProbability;
    public double Quiet;
    public (double Low, double High)? StepsMs;
    public (double Low, double High)? RangeNa;
    public bool Activity;
    public string[] Kinds = ["clean", "noisy"];
    public string[] Cells = [.. StgConductances.Catalogue.Keys];
    public string? ConfigPath;
    public string? Models;
    public double TrainSeconds = GeneralisationBench.DefaultTrainSeconds;
    public string Shared = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data"));

    public static BenchArguments Parse(string[] args)
    {
        var o = new BenchArguments();
        int passThrough = Array.IndexOf(args, "--");
        if (passThrough >= 0)
        {
            o.TrainOptions = args[(passThrough + 1)..];
            args = args[..passThrough];
        }

        if (args.Length > 0 && !args[0].StartsWith("--"))
        {
            o.Mode = args[0];
        }

        for (int i = 0; i + 1 < args.Length; i++)
        {
            string value = args[i + 1];
            switch (args[i])
            {
                case "--epochs": o.Epochs = int.Parse(value); break;
                case "--seconds": o.Seconds = int.Parse(value); break;
                case "--width": o.Width = int.Parse(value); break;
                case "--stream-above-mb": o.StreamAboveMb = int.Parse(value); break;
                case "--peak": o.Peak = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--shared": o.Shared = Path.GetFullPath(value); break;
                case "--ms-epochs": o.MsEpochs = int.Parse(value); break;
                case "--ms-lr": o.MsRate = Float(value); break;
                case "--ms-shot": o.MsShot = int.Parse(value); break;
                case "--ms-selection-fraction": o.MsSelection = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--ms-slope-weight": o.MsSlope = Float(value); break;
                case "--ms-gamma": o.MsGamma = Float(value); break;
                case "--seeds": o.SeedList = value.Split(',').Select(int.Parse).ToArray(); break;
                case "--selection-fraction": o.SelectionFraction = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--kinds": o.Kinds = value.Split(','); break;
                case "--cells": o.Cells = value.Split(','); break;
                case "--only": o.Only = value.Split(','); break;
                case "--rmm": o.Rmm = Path.GetFullPath(value); break;
                case "--config": o.ConfigPath = value; break;
                case "--train-seconds": o.TrainSeconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--models": o.Models = Path.GetFullPath(value); break;
                case "--rest": o.Rest = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--steps": o.StepsMs = Pair(value); break;
                case "--range-na": o.RangeNa = Pair(value); break;
                case "--probes-in-training": o.ProbesInTraining = int.Parse(value); break;
                case "--selection-record": o.SelectionRecord = int.Parse(value); break;
                case "--ensemble": o.EnsembleSize = int.Parse(value); break;
                case "--fires-at": o.FiresAt = value.Split(',').Select(Float).ToArray(); break;
                case "--quiet": o.Quiet = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--lowpass": o.LowPassHz = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--input-noise": o.InputNoise = Float(value); break;
                case "--slope-weight": o.SlopeScale = Float(value); break;
                case "--batch-size": o.BatchSize = int.Parse(value); break;
                default: continue;
            }

            i++;
        }

        o.Activity = args.Contains("--activity");
        o.RestCheck = args.Contains("--rest-check");
        o.CellsAlone = args.Contains("--cells-alone");
        return o;
    }

    private static float Float(string text) => float.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>LOW:HIGH as two numbers.</summary>
    private static (double Low, double High) Pair(string text) =>
        (double.Parse(text.Split(':')[0], CultureInfo.InvariantCulture), double.Parse(text.Split(':')[1], CultureInfo.InvariantCulture));

    /// <summary>The README's neuron-A recipe: spike-activity bank, slope weights 10, input noise 0.02 (epochs from --epochs).</summary>
    public TrainingConfig NeuronARecipe() => new()
    {
        Network = "single-activity",
        TeacherForcing = new TeacherForcingOptions { Epochs = Epochs ?? 200, SlopeWeightScale = 10, InputNoise = 0.02f },
    };

    /// <summary>The training stimulus: neuron A's protocol with --rest, --quiet and --steps MIN:MAX (ms), scaled to --range-na LOW:HIGH (nA) as `rmm protocol` scales it.</summary>
    public StimulusSpec Stimulus() => (RangeNa is { } range ? StimulusSpec.Protocol(range.Low, range.High, 0, 0) : StimulusSpec.SingleNeuron) with
    {
        RestProbability = Rest,
        QuietProbability = Quiet,
        StepMinMs = StepsMs?.Low ?? StimulusSpec.SingleNeuron.StepMinMs,
        StepMaxMs = StepsMs?.High ?? StimulusSpec.SingleNeuron.StepMaxMs,
    };

    public MultipleShootingOptions? MultipleShooting()
    {
        if (MsEpochs <= 0)
        {
            return null;
        }

        var options = new MultipleShootingOptions { Epochs = MsEpochs, ShotLength = MsShot, Gamma = MsGamma, SlopeWeightScale = MsSlope };
        options = MsSelection is double fraction ? options with { SelectionFraction = fraction } : options;
        return MsRate is float rate ? options with { LearningRate = rate, FinalLearningRate = rate } : options;
    }
}
