using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RmmEdge.Rig;
using RmmEdge.Trainer.Reports;

namespace RmmEdge.Trainer.Sweeps;

/// <summary>
/// What one finished run of a sweep wrote (runs/ID/result.json): its training's selection figures and,
/// when the data set names a test, `rmm eval --json`'s output on it.
/// </summary>
/// <param name="Validation">The selection score of the kept snapshot, on data the training held out (higher is better).</param>
/// <param name="Test">`rmm eval --json` on the data set's test recordings, or null.</param>
public sealed record SweepResult(int Task, string Id, string Data, int Point, string Overrides, int Seed, double Validation, int SelectedEpoch,
    double Seconds, int Parameters, JsonNode? Test)
{
    public const string FileName = "result.json";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public void Save(string runDir) => UserFiles.WriteAtomically(Path.Combine(runDir, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));

    /// <summary>The result in <paramref name="runDir"/>, or null when the run has not finished there.</summary>
    public static SweepResult? Read(string runDir)
    {
        string path = Path.Combine(runDir, FileName);
        return File.Exists(path) ? JsonSerializer.Deserialize<SweepResult>(File.ReadAllText(path), Json) : null;
    }

    /// <summary>Test figures per neuron: burst period error (fraction), spikes-per-burst error, Γ at ±4 ms.</summary>
    public IEnumerable<(string Neuron, double PeriodError, double SpikesPerBurstError, double Gamma)> TestNeurons() =>
        Test?["neurons"] is JsonArray neurons
            ? neurons.OfType<JsonObject>().Select(n => (n["neuron"]?.GetValue<string>() ?? "?", Number(n["periodError"]), Number(n["spikesPerBurstError"]), Number(n["gamma4Ms"])))
            : [];

    private static double Number(JsonNode? node) => node is JsonValue v && v.TryGetValue(out double d) ? d
        : node is JsonValue s && s.TryGetValue(out string? text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : double.NaN;
}

/// <summary>
/// The sweep's summary: every run, and per data set the run kept, chosen by its validation score alone
/// (the test set never steers the choice). Written as text, CSV and an HTML page with the spread across
/// seeds as a plot.
/// </summary>
public sealed class SweepSummary(SweepSpec spec, IReadOnlyList<SweepResult> results, IReadOnlyList<SweepTask> failed)
{
    /// <summary>Per data set, the run with the highest validation score (null when none finished).</summary>
    public IReadOnlyDictionary<string, SweepResult?> Best { get; } = spec.Data.ToDictionary(d => d.Name,
        d => results.Where(r => r.Data == d.Name && double.IsFinite(r.Validation)).OrderByDescending(r => r.Validation).ThenBy(r => r.Task).FirstOrDefault());

    private static string Cell(double x, string format) => double.IsNaN(x) ? "-" : x.ToString(format, CultureInfo.InvariantCulture);

    private static string TestCells(SweepResult r) => string.Join("; ", r.TestNeurons().Select(n =>
        $"{n.Neuron} period {Cell(100 * n.PeriodError, "+0.0;-0.0")} %, spikes/burst {Cell(n.SpikesPerBurstError, "+0.00;-0.00")}, Γ {Cell(n.Gamma, "0.000")}"));

    public string Text()
    {
        var text = new StringBuilder($"sweep {spec.Name}: {results.Count} of {spec.Tasks.Count} runs finished, {failed.Count} failed\n");
        foreach (SweepData d in spec.Data)
        {
            text.Append($"\n{d.Name} (train {string.Join(" ", d.Train.Select(Path.GetFileName))}{(d.Test.Length > 0 ? $"; test {string.Join(" ", d.Test.Select(Path.GetFileName))}" : "")}):\n");
            foreach (SweepResult r in results.Where(r => r.Data == d.Name).OrderBy(r => r.Task))
            {
                string mark = ReferenceEquals(Best[d.Name], r) ? "  <- kept (highest validation)" : "";
                text.Append($"  {r.Id}: {r.Overrides} seed {r.Seed}: validation {Cell(r.Validation, "0.000")} (epoch {r.SelectedEpoch}), {r.Seconds:0} s" +
                    (r.Test is null ? "" : $"; test: {TestCells(r)}") + mark + "\n");
            }

            foreach (SweepTask t in failed.Where(t => t.Data.Name == d.Name))
            {
                text.Append($"  {t.Id}: FAILED (see runs/{t.Id}/log.txt)\n");
            }

            if (results.Where(r => r.Data == d.Name).Select(r => r.Validation).Where(double.IsFinite).ToArray() is { Length: > 1 } v)
            {
                text.Append($"  validation across runs: {v.Min():0.000} … {v.Max():0.000} (mean {v.Average():0.000})\n");
            }
        }

        return text.ToString();
    }

    public string Csv()
    {
        var csv = new StringBuilder("task,id,data,point,overrides,seed,validation,selected_epoch,seconds,parameters,kept,neuron,test_period_error,test_spikes_per_burst_error,test_gamma\n");
        foreach (SweepResult r in results.OrderBy(r => r.Task))
        {
            var neurons = r.TestNeurons().ToList();
            foreach ((string Neuron, double PeriodError, double SpikesPerBurstError, double Gamma) n in neurons.Count > 0 ? neurons : [("", double.NaN, double.NaN, double.NaN)])
            {
                csv.Append(string.Join(',', r.Task, r.Id, r.Data, r.Point, Quote(r.Overrides), r.Seed, Cell(r.Validation, "0.####"), r.SelectedEpoch,
                    Cell(r.Seconds, "0.#"), r.Parameters, ReferenceEquals(Best[r.Data], r) ? 1 : 0, n.Neuron, Cell(n.PeriodError, "0.####"),
                    Cell(n.SpikesPerBurstError, "0.###"), Cell(n.Gamma, "0.####"))).Append('\n');
            }
        }

        return csv.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"") + "\"";

    /// <summary>The page: the text summary, then per data set the validation score and each neuron's test period error against the seed.</summary>
    public HtmlReport Page()
    {
        var page = new HtmlReport($"RmmEdge sweep {spec.Name}");
        page.Text($"{results.Count} of {spec.Tasks.Count} runs finished, {failed.Count} failed. Per data set, the run kept is the one with the highest " +
            "validation score (the selection score on data its training held out); the test figures are reported, never used to choose.", note: true);
        string[] colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"];
        foreach (SweepData d in spec.Data)
        {
            SweepResult[] runs = results.Where(r => r.Data == d.Name).OrderBy(r => r.Seed).ToArray();
            page.Heading(d.Name);
            page.Table(["run", "overrides", "seed", "validation", "epoch", "seconds", "test", "kept"],
                runs.OrderBy(r => r.Task).Select(r => (IReadOnlyList<string>)[r.Id, r.Overrides, $"{r.Seed}", Cell(r.Validation, "0.000"), $"{r.SelectedEpoch}",
                    Cell(r.Seconds, "0"), TestCells(r), ReferenceEquals(Best[d.Name], r) ? "kept" : ""])
                .Concat(failed.Where(t => t.Data.Name == d.Name).Select(t => (IReadOnlyList<string>)[t.Id, t.Overrides, $"{t.Seed}", "FAILED", "", "", "", ""])));
            if (runs.Length == 0)
            {
                continue;
            }

            var plot = new SvgPlot($"{d.Name}: the spread across seeds", "seed", "validation score / test period error (fraction)");
            foreach (int point in runs.Select(r => r.Point).Distinct())
            {
                SweepResult[] p = runs.Where(r => r.Point == point).ToArray();
                plot.Add($"validation, point {point}", p.Select(r => (double)r.Seed).ToArray(), p.Select(r => r.Validation).ToArray(), colours[point % colours.Length]);
                foreach (string neuron in p.SelectMany(r => r.TestNeurons().Select(n => n.Neuron)).Distinct())
                {
                    plot.Add($"test period error {neuron}, point {point}", p.Select(r => (double)r.Seed).ToArray(),
                        p.Select(r => r.TestNeurons().FirstOrDefault(n => n.Neuron == neuron).PeriodError).ToArray(), "#888");
                }
            }

            page.Plot(plot);
        }

        return page;
    }

    /// <summary>Writes summary.txt, summary.csv, summary.html and best/DATA.rmm.json under <paramref name="outDir"/>.</summary>
    public void Save(string outDir)
    {
        UserFiles.WriteAtomically(Path.Combine(outDir, "summary.txt"), Encoding.UTF8.GetBytes(Text()));
        UserFiles.WriteAtomically(Path.Combine(outDir, "summary.csv"), Encoding.UTF8.GetBytes(Csv()));
        Page().Save(Path.Combine(outDir, "summary.html"));
        Directory.CreateDirectory(Path.Combine(outDir, "best"));
        foreach ((string data, SweepResult? best) in Best)
        {
            if (best is not null)
            {
                File.Copy(Path.Combine(outDir, "runs", best.Id, "model.rmm.json"), Path.Combine(outDir, "best", $"{data}.rmm.json"), overwrite: true);
            }
        }
    }
}
