using RmmEdge.Bench;

// dotnet run -c Release --project host-trainer/RmmEdge.Bench -- [teacher-forcing|multiple-shooting|neuron-a|half-centre|generalisation [--config FILE]]
//     [--epochs N] [--ms-epochs N [--ms-lr R] [--ms-shot S] [--ms-gamma G] [--ms-slope-weight MV_PER_MS] [--ms-selection-fraction F]] [--seeds 1,2,3] [--shared DIR] [--selection-fraction F] [--kinds clean,noisy] [--slope-weight MV_PER_MS] [--input-noise SD] [--lowpass HZ] [--activity]
string mode = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "teacher-forcing";
int? epochs = null;
int msEpochs = 0, msShot = new RmmEdge.Trainer.Training.MultipleShootingOptions().ShotLength;
float? msRate = null;
float msGamma = 0;
float msSlope = 0;
double? msSelection = null;
int[] seeds = [1, 2, 3];
double? selectionFraction = null;
float slopeScale = 0;
float? inputNoise = null;
double lowPassHz = 0;
bool activity = false;
string[] kinds = ["clean", "noisy"];
string? configPath = null;
string shared = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data");
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length) { epochs = int.Parse(args[++i]); }
    if (args[i] == "--shared" && i + 1 < args.Length) { shared = args[++i]; }
    if (args[i] == "--ms-epochs" && i + 1 < args.Length) { msEpochs = int.Parse(args[++i]); }
    if (args[i] == "--ms-lr" && i + 1 < args.Length) { msRate = float.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--ms-shot" && i + 1 < args.Length) { msShot = int.Parse(args[++i]); }
    if (args[i] == "--ms-selection-fraction" && i + 1 < args.Length) { msSelection = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--ms-slope-weight" && i + 1 < args.Length) { msSlope = float.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--ms-gamma" && i + 1 < args.Length) { msGamma = float.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--seeds" && i + 1 < args.Length) { seeds = args[++i].Split(',').Select(int.Parse).ToArray(); }
    if (args[i] == "--selection-fraction" && i + 1 < args.Length) { selectionFraction = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--kinds" && i + 1 < args.Length) { kinds = args[++i].Split(','); }
    if (args[i] == "--activity") { activity = true; }
    if (args[i] == "--config" && i + 1 < args.Length) { configPath = args[++i]; }
    if (args[i] == "--lowpass" && i + 1 < args.Length) { lowPassHz = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--input-noise" && i + 1 < args.Length) { inputNoise = float.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
    if (args[i] == "--slope-weight" && i + 1 < args.Length) { slopeScale = float.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); }
}

switch (mode)
{
    case "teacher-forcing": TeacherForcingBench.Run(epochs ?? 200, Console.Out); break;
    case "multiple-shooting": MultipleShootingBench.Run(epochs ?? 3, Console.Out); break;
    case "neuron-a": NeuronABench.Run(Path.GetFullPath(shared), kinds, epochs ?? 200, MultipleShooting(), seeds, selectionFraction, slopeScale, inputNoise, lowPassHz, activity, Console.Out); break;
    case "generalisation": GeneralisationBench.Run(configPath is null ? NeuronARecipe() : RmmEdge.Trainer.Training.TrainingConfig.Load(configPath), seeds, 60, Console.Out); break;
    case "half-centre": HalfCentreBench.Run(Path.GetFullPath(shared), kinds, configPath is null ? RmmEdge.Trainer.Training.TrainingConfig.HalfCentre : RmmEdge.Trainer.Training.TrainingConfig.Load(configPath), seeds, Console.Out); break;
    default: Console.Error.WriteLine($"unknown benchmark '{mode}'; use teacher-forcing, multiple-shooting, neuron-a, half-centre or generalisation"); return 2;
}

return 0;

// The README's neuron-A recipe: spike-activity bank, slope weights 10, input noise 0.02 (epochs from --epochs).
RmmEdge.Trainer.Training.TrainingConfig NeuronARecipe() => new()
{
    Network = "single-activity",
    TeacherForcing = new RmmEdge.Trainer.Training.TeacherForcingOptions { Epochs = epochs ?? 200, SlopeWeightScale = 10, InputNoise = 0.02f },
};

RmmEdge.Trainer.Training.MultipleShootingOptions? MultipleShooting()
{
    if (msEpochs <= 0)
    {
        return null;
    }

    var options = new RmmEdge.Trainer.Training.MultipleShootingOptions { Epochs = msEpochs, ShotLength = msShot, Gamma = msGamma, SlopeWeightScale = msSlope };
    options = msSelection is double fraction ? options with { SelectionFraction = fraction } : options;
    return msRate is float rate ? options with { LearningRate = rate, FinalLearningRate = rate } : options;
}
