using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace RmmEdge.Bench;

/// <summary>
/// `RmmEdge.Bench real`: every real data set of shared/data/recordings that holds spikes and an
/// injected current, fitted and judged the way a lab user would: through the CLI (`rmm train`, then
/// `rmm eval --json` on sweeps or files the model never saw), each command printed so that it can be
/// re-run by hand. One table per data set: the sweeps trained on and held out; per held-out sweep the
/// spike count model/cell, Γ at ±2 and ±4 ms and the subthreshold RMSE; Γ/R where repetitions exist.
/// Spike rule: the eval default (from the data, printed by eval; threshold and re-arm in each row's rule).
/// </summary>
public static class RealCellsBench
{
    /// <summary>One training run and the evaluations of what it held out.</summary>
    public sealed record Fold(string[] Train, string[][] Tests);

    /// <summary>A data set: its folder, the data options both commands take, its folds, whether each test is a set of repetitions.</summary>
    public sealed record DataSet(string Name, string Folder, string[] DataOptions, Fold[] Folds, bool Repetitions = false, string Note = "");

    public static IReadOnlyList<DataSet> DataSets { get; } = Build();

    private static DataSet[] Build()
    {
        // pyABF cell A: the ramp and two thirds of the step sweeps; every third step sweep held out (amplitudes spread over −100…+300 pA).
        int[] cellAHeld = [1, 4, 7, 10, 13, 16];
        string cellATrain = string.Join(',', Enumerable.Range(0, 17).Except(cellAHeld));
        var cellA = new DataSet("pyABF cell A (171116sh, 20 kHz)", "pyabf_cellA_171116sh", ["--voltage", "IN 0", "--current", "Cmd 0"],
            [new Fold(["171116sh_0016.abf", $"171116sh_0018.abf@{cellATrain}"], [[$"171116sh_0018.abf@{string.Join(',', cellAHeld)}"]])],
            Note: "current rebuilt from the DAC epochs (Cmd 0)");
        var cellB = new DataSet("pyABF cell B (18711001 FI curve, 20 kHz)", "pyabf_cellB_18711001", ["--voltage", "IN 0", "--current", "Cmd 0"],
            [new Fold([$"18711001.abf@{string.Join(',', Enumerable.Range(0, 30).Where(k => k % 3 != 1))}"], [[$"18711001.abf@{string.Join(',', Enumerable.Range(0, 30).Where(k => k % 3 == 1))}"]])],
            Note: "current rebuilt from the DAC epochs (Cmd 0)");
        var fsi = new DataSet("pyABF fast-spiking interneuron (2019_07_24_0055, 20 kHz)", "pyabf_fsi_2019_07_24_0055", ["--voltage", "IN 0", "--current", "Cmd 0"],
            [new Fold([$"2019_07_24_0055_fsi.abf@{string.Join(',', Enumerable.Range(0, 17).Except(cellAHeld))}"], [[$"2019_07_24_0055_fsi.abf@{string.Join(',', cellAHeld)}"]])],
            Note: "current rebuilt from the DAC epochs (Cmd 0)");
        return
        [
            cellA,
            LeaveOneOut("BBP C010302A1 IDRest (pyramidal, 4 kHz)", "qsnmc2007_challengeB_bbp/C010302A1", ["--layout", "bbp-asc"], [76, 78, 80, 82, 84], k => $"traceascii_C010302A1_IDRest_{k}.asc"),
            LeaveOneOut("BBP C140201C IDRest (bitufted interneuron, 4 kHz)", "qsnmc2007_challengeB_bbp/C140201C", ["--layout", "bbp-asc"], [101, 103, 105], k => $"traceascii_C140201C_IDRest_{k}.asc"),
            LeaveOneOut("BBP B6 IDRest (IBW pairs, 4 kHz)", "bluepyefe_B6_IDRest", [], [181, 182, 183, 184, 185], k => $"B6_Ch3_IDRest_{k}.ibw+B6_Ch0_IDRest_{k}.ibw"),
            new DataSet("QSNMC 2007 challenge A (noise current; data dt 1 ms assumed, see shared README; model step 0.2 ms; bridge error removed)", "qsnmc2007_challengeA_noise", ["--layout", "qsnmc", "--dt", "1", "--upsample", "5", "--series-resistance", "auto"],
                [new Fold(Set("11"), [Set("00"), Set("05"), Set("08")])], Repetitions: true,
                Note: "trained on the 4 repetitions of set 11; free run on each repetition of sets 00, 05, 08"),
            cellB,
            fsi,
        ];

        static string[] Set(string set) => Enumerable.Range(0, 4).Select(r => $"{set}-{r}.voltage.gz").ToArray();
    }

    /// <summary>The options among the extra training options that shape the data (and so must reach eval too), with their values.</summary>
    private static IEnumerable<string> DataOptionsOf(string[] trainOptions)
    {
        string[] shaping = ["--upsample", "--series-resistance", "--dt"];
        for (int k = 0; k + 1 < trainOptions.Length; k++)
        {
            if (shaping.Contains(trainOptions[k]))
            {
                yield return trainOptions[k];
                yield return trainOptions[++k];
            }
        }
    }

    private static DataSet LeaveOneOut(string name, string folder, string[] options, int[] sweeps, Func<int, string> file) =>
        new(name, folder, options, sweeps.Select(held => new Fold(sweeps.Where(k => k != held).Select(file).ToArray(), [[file(held)]])).ToArray());

    public static int Run(string recordings, string rmm, IReadOnlyList<string>? only, int seed, string[] trainOptions, TextWriter output)
    {
        if (!Directory.Exists(recordings))
        {
            output.WriteLine($"no real recordings at {recordings} (../shared absent): nothing to run");
            return 0;
        }

        string work = Path.Combine(Path.GetTempPath(), $"rmm-real-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        var summary = new List<string>();
        try
        {
            foreach (DataSet set in DataSets.Where(s => only is null || only.Any(o => s.Name.Contains(o, StringComparison.OrdinalIgnoreCase))))
            {
                output.WriteLine($"== {set.Name}{(set.Note.Length > 0 ? $" — {set.Note}" : "")}");
                string folder = Path.Combine(recordings, set.Folder);
                var rows = new List<(string Sweep, int Model, int Data, double G2, double G4, double Rmse, bool Within)>();
                var repetitions = new List<string>();
                for (int f = 0; f < set.Folds.Length; f++)
                {
                    Fold fold = set.Folds[f];
                    string model = Path.Combine(work, $"fold{f}.rmm.json");
                    var train = new List<string> { "train" };
                    train.AddRange(fold.Train.Select(x => InFolder(folder, x)));
                    train.AddRange(set.DataOptions);
                    if (!trainOptions.Contains("--seeds")) { train.AddRange(["--seed", seed.ToString(CultureInfo.InvariantCulture)]); }
                    train.AddRange(["--out", model]);
                    train.AddRange(trainOptions);
                    var clock = Stopwatch.StartNew();
                    (int trained, string trainText) = Cli(rmm, train, output);
                    if (trained != 0)
                    {
                        output.WriteLine($"   train failed ({trained}): {trainText.Trim()}");
                        continue;
                    }

                    output.WriteLine($"   trained in {clock.Elapsed.TotalSeconds:0} s: {trainText.Split('\n').LastOrDefault(l => l.StartsWith("teacher forcing:") && l.Contains("selected"))?.Trim()}");
                    foreach (string[] test in fold.Tests)
                    {
                        var eval = new List<string> { "eval", model };
                        eval.AddRange(test.Select(x => InFolder(folder, x)));
                        eval.AddRange(set.DataOptions);
                        eval.AddRange(DataOptionsOf(trainOptions));
                        eval.Add("--json");
                        if (set.Repetitions) { eval.Add("--repetitions"); }
                        (int evaluated, string json) = Cli(rmm, eval, output);
                        if (json.TrimStart().StartsWith('{') is false)
                        {
                            output.WriteLine($"   eval failed ({evaluated}): {json.Trim()}");
                            continue;
                        }

                        using JsonDocument doc = JsonDocument.Parse(json);
                        JsonElement neuron = doc.RootElement.GetProperty("neurons")[0];
                        string rule = doc.RootElement.GetProperty("spikeRule").GetString() ?? "";
                        output.WriteLine($"   spikes: {rule}");
                        int s = 0, count = neuron.GetProperty("sweeps").GetArrayLength();
                        foreach (JsonElement w in neuron.GetProperty("sweeps").EnumerateArray())
                        {
                            string label = count == test.Length ? test[s].Split('+')[0] : $"{test[0].Split('@')[0]} sweep {w.GetProperty("sweep").GetInt32()}";
                            rows.Add((label, w.GetProperty("modelSpikes").GetInt32(), w.GetProperty("dataSpikes").GetInt32(),
                                Number(w.GetProperty("gamma2")), Number(w.GetProperty("gamma4")), Number(w.GetProperty("subthresholdRmseMv")),
                                w.GetProperty("countWithin20Percent").GetBoolean()));
                            s++;
                        }

                        if (neuron.TryGetProperty("repetitions", out JsonElement r) && r.ValueKind == JsonValueKind.Object)
                        {
                            repetitions.Add($"{test[0].Split('-')[0]}: spikes {Number(r.GetProperty("modelSpikes")):0} vs {Number(r.GetProperty("dataSpikes")):0} per repetition, " +
                                $"±2 ms Γ {Number(r.GetProperty("gamma2")):0.000} R {Number(r.GetProperty("reliability2")):0.000} Γ/R {Number(r.GetProperty("gamma2")) / Number(r.GetProperty("reliability2")):0.00}; " +
                                $"±4 ms Γ {Number(r.GetProperty("gamma4")):0.000} R {Number(r.GetProperty("reliability4")):0.000} Γ/R {Number(r.GetProperty("gamma4")) / Number(r.GetProperty("reliability4")):0.00}");
                        }
                    }
                }

                output.WriteLine($"   {"held out",-44} {"spikes model/cell",18} {"Γ(±2 ms)",9} {"Γ(±4 ms)",9} {"subthr. RMSE (mV)",18} {"±20 %",6}");
                foreach (var row in rows)
                {
                    output.WriteLine($"   {row.Sweep,-44} {$"{row.Model} / {row.Data}",18} {G(row.G2),9} {G(row.G4),9} {row.Rmse,18:0.00} {(row.Within ? "yes" : "no"),6}");
                }

                repetitions.ForEach(line => output.WriteLine($"   repetitions {line}"));
                int within = rows.Count(r => r.Within);
                double meanG4 = rows.Where(r => r.Data > 0 && !double.IsNaN(r.G4)).Select(r => r.G4).DefaultIfEmpty(double.NaN).Average();
                summary.Add($"{set.Name}: spike count within ±20 % (or ±2) on {within} of {rows.Count} held-out sweeps, mean Γ(±4 ms) {G(meanG4)} over the sweeps where the cell fires");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        int seedsAt = Array.IndexOf(trainOptions, "--seeds");
        output.WriteLine($"summary ({(seedsAt >= 0 && seedsAt + 1 < trainOptions.Length ? $"seeds {trainOptions[seedsAt + 1]}, the best validation kept per fold" : $"seed {seed}")}):");
        summary.ForEach(line => output.WriteLine("   " + line));
        return 0;
    }

    /// <summary>A file name of a data set in its folder; a V+I pair names two files, a trailing @SWEEPS stays.</summary>
    private static string InFolder(string folder, string spec) => string.Join('+', spec.Split('+').Select(part => Path.Combine(folder, part)));

    private static double Number(JsonElement e) => e.ValueKind == JsonValueKind.Number ? e.GetDouble()
        : e.ValueKind == JsonValueKind.String && double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : double.NaN;

    private static string G(double g) => double.IsNaN(g) ? "undef." : g.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Runs the CLI, printing its command line; returns its exit code and standard output (standard error appended on failure).</summary>
    private static (int Code, string Output) Cli(string rmm, IReadOnlyList<string> arguments, TextWriter output)
    {
        output.WriteLine("   $ rmm " + string.Join(' ', arguments.Select(a => a.Contains(' ') ? $"\"{a}\"" : a)));
        var start = new ProcessStartInfo(rmm) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments) { start.ArgumentList.Add(a); }
        start.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, process.ExitCode == 0 ? stdout : stdout + stderr.Result);
    }
}
