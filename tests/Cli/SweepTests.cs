using System.Text.Json.Nodes;
using RmmCli = RmmEdge.Cli.Cli;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Cli.Tests;

/// <summary>`rmm sweep` and `rmm train --seeds` (issue 21), on seconds of simulated data and two-epoch trainings.</summary>
public sealed class SweepTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(args, TextWriter.Synchronized(stdout), stderr);
        output.WriteLine($"$ rmm {string.Join(' ', args)}  -> {code}\n{stdout}{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private void Data()
    {
        Assert.Equal(0, Run("simulate", "--seconds", "4", "--out", PathOf("a.csv")).Code);
        Assert.Equal(0, Run("simulate", "--seconds", "3", "--seed", "2", "--out", PathOf("a-test.csv")).Code);
    }

    private const string Grid = """
        data:
          - name: a
            train: [a.csv]
            test: [a-test.csv]
        config: { hidden: [6, 6], teacherForcing: { epochs: 2 } }
        seeds: 1-2
        grid:
          teacherForcing.learningRate: [0.003, 0.001]
        """;

    [Fact]
    public void ASweepRunsEveryPointKeepsTheBestByValidationAndDoesNoWorkTwice()
    {
        Data();
        File.WriteAllText(PathOf("s.yaml"), "name: tiny\nparallel: 2\n" + Grid);
        (int code, string text, _) = Run("sweep", PathOf("s.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("4 runs (1 data set(s) × 4 per data set); 0 already done, 4 to run", text);
        string outDir = PathOf("tiny-sweep");
        string[] runs = Directory.GetDirectories(Path.Combine(outDir, "runs")).Select(Path.GetFileName).Order().ToArray()!;
        Assert.Equal(["000-a-p0-s1", "001-a-p0-s2", "002-a-p1-s1", "003-a-p1-s2"], runs);

        // Each run: its merged configuration, the model, the training's figures and the test figures from rmm eval --json.
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "runs", "002-a-p1-s1", "config.json")))!.AsObject();
        Assert.Equal(0.001, config["teacherForcing"]!["learningRate"]!.GetValue<double>(), 9);
        Assert.Equal(2, config["teacherForcing"]!["epochs"]!.GetValue<int>());
        Assert.Equal(1, config["seed"]!.GetValue<int>());
        JsonObject[] results = runs.Select(r => JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "runs", r, "result.json")))!.AsObject()).ToArray();
        Assert.All(results, r => Assert.NotNull(r["test"]?["neurons"]));

        // The kept model is the run with the highest validation, whatever the test figures say.
        JsonObject best = results.OrderByDescending(r => r["validation"]!.GetValue<double>()).ThenBy(r => r["task"]!.GetValue<int>()).First();
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, "runs", best["id"]!.GetValue<string>(), "model.rmm.json")), File.ReadAllText(Path.Combine(outDir, "best", "a.rmm.json")));
        Assert.Contains($"{best["id"]!.GetValue<string>()}: ", File.ReadAllLines(Path.Combine(outDir, "summary.txt")).Single(l => l.Contains("<- kept")));
        Assert.Equal(5, File.ReadAllLines(Path.Combine(outDir, "summary.csv")).Length);   // header + one neuron per run
        string page = File.ReadAllText(Path.Combine(outDir, "summary.html"));
        Assert.Contains("<svg", page);
        Assert.Contains("<td>kept</td>", page);

        // Started again: nothing runs twice, nothing is rewritten.
        DateTime written = File.GetLastWriteTimeUtc(Path.Combine(outDir, "runs", "000-a-p0-s1", "model.rmm.json"));
        (code, text, _) = Run("sweep", PathOf("s.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("4 already done, 0 to run", text);
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(outDir, "runs", "000-a-p0-s1", "model.rmm.json")));
    }

    [Fact]
    public void AFailingRunDoesNotStopTheOthers()
    {
        Data();
        File.WriteAllText(PathOf("s.json"), """
            { "name": "mixed", "config": { "hidden": [6, 6], "teacherForcing": { "epochs": 2 } }, "seeds": [1],
              "data": [ { "name": "gone", "train": ["missing.csv"] }, { "name": "a", "train": ["a.csv"] } ] }
            """);
        (int code, string text, _) = Run("sweep", PathOf("s.json"), "--parallel", "2");
        Assert.Equal(1, code);
        Assert.Contains("000-gone-p0-s1 FAILED", text);
        Assert.Contains("001-a-p0-s1 done", text);
        Assert.Contains("missing.csv", File.ReadAllText(PathOf("mixed-sweep/runs/000-gone-p0-s1/log.txt")));
        Assert.True(File.Exists(PathOf("mixed-sweep/best/a.rmm.json")));
        Assert.False(File.Exists(PathOf("mixed-sweep/best/gone.rmm.json")));
    }

    [Theory]
    [InlineData("grid:\n  teacherForcing.epoch: [2]", "point 0", "epoch")]
    [InlineData("grid:\n  teacherForcing.epochs: []", "grid.teacherForcing.epochs: expected a non-empty list of values", "")]
    [InlineData("grid:\n  teacherForcing.epochs: [0]", "teacherForcing.epochs (--epochs): 0", "")]
    [InlineData("seeds: 3-1", "expected a range such as 1-6", "")]
    [InlineData("colour: blue", "unknown field \"colour\"", "")]
    public void ABadSweepIsRefusedBeforeAnythingRuns(string extra, string expected, string alsoExpected)
    {
        File.WriteAllText(PathOf("bad.yaml"), "name: bad\ndata:\n  - name: a\n    train: [a.csv]\n" + extra + "\n");
        (int code, _, string error) = Run("sweep", PathOf("bad.yaml"));
        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains(expected, error);
        Assert.Contains(alsoExpected, error);
        Assert.False(Directory.Exists(PathOf("bad-sweep")));
    }

    [Fact]
    public void TrainWithSeedsKeepsTheBestByValidationAndPrintsTheSpread()
    {
        Data();
        File.WriteAllText(PathOf("small.json"), """{ "hidden": [6, 6], "teacherForcing": { "epochs": 2 } }""");
        (int code, string text, _) = Run("train", PathOf("a.csv"), "--config", PathOf("small.json"), "--seeds", "1-3", "--out", PathOf("m.rmm.json"), "--result", PathOf("m.json"));
        Assert.Equal(0, code);
        Assert.Contains("validation across seeds: ", text);
        JsonObject result = JsonNode.Parse(File.ReadAllText(PathOf("m.json")))!.AsObject();
        string seeds = text.Split('\n').Single(l => l.StartsWith("seeds (validation"));
        double[] scores = Enumerable.Range(1, 3).Select(s => double.Parse(seeds.Split($"seed {s}: validation ")[1].Split(new[] { ',', ';' })[0], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(Array.IndexOf(scores, scores.Max()) + 1, result["seed"]!.GetValue<int>());
        Assert.Contains($"kept seed {result["seed"]}", File.ReadAllText(PathOf("m.rmm.json")));
        Assert.Equal(1, Run("train", PathOf("a.csv"), "--seeds", "1-3", "--seed", "2", "--out", PathOf("x.rmm.json")).Code);
    }

    /// <summary>
    /// A real single-node Slurm: the sweep becomes one job array (%2), followed with squeue; a task
    /// cancelled while it waits is submitted again by --retries 1, and every result is collected.
    /// </summary>
    [SkippableFact]
    public void OnSlurmTheSweepIsAJobArrayAndAKilledTaskIsSubmittedAgain()
    {
        string? why = SingleNodeSlurm.Missing();
        Skip.If(why is not null, why);
        Data();
        File.WriteAllText(PathOf("s.yaml"), "name: onslurm\n" + Grid);
        using SingleNodeSlurm cluster = SingleNodeSlurm.Start();
        var stdout = new StringWriter();
        TextWriter shared = TextWriter.Synchronized(stdout);
        Task<int> sweep = Task.Run(() => RmmCli.Run(["sweep", PathOf("s.yaml"), "--executor", "slurm", "--parallel", "2", "--cpus-per-task", "1", "--retries", "1"], shared, shared));
        string? job = null;
        // Up to 2 minutes for the submission: beside the rest of the suite, sbatch once waited over 30 s for the new controller.
        for (int wait = 0; wait < 1200 && job is null && !sweep.IsCompleted; wait++)
        {
            Thread.Sleep(100);
            job = System.Text.RegularExpressions.Regex.Match(stdout.ToString(), @"submitted job (\d+)") is { Success: true } m ? m.Groups[1].Value : null;
        }

        Assert.True(job is not null, $"no job submitted; the sweep printed: {stdout}");
        SingleNodeSlurm.Run("scancel", $"{job}_3");   // the last task waits behind %2: cancelled before it starts
        Assert.True(sweep.Wait(TimeSpan.FromMinutes(3)), "the sweep did not finish in 3 minutes");
        string text = stdout.ToString();
        output.WriteLine(text);
        Assert.Equal(0, sweep.Result);
        Assert.Contains($"submitted job {job}: array 0,1,2,3%2", text);
        Assert.Contains($"{job}_0 (000-a-p0-s1): COMPLETED, result collected", text);
        Assert.Contains($"{job}_3 (003-a-p1-s2): ", text);
        Assert.Contains("retry 1: submitting 1 failed task(s) again", text);
        Assert.Matches(@"submitted job \d+: array 3%2", text);
        Assert.Contains("4 of 4 runs finished, 0 failed", text);
        Assert.Equal(4, Directory.GetFiles(PathOf("onslurm-sweep/runs"), "result.json", SearchOption.AllDirectories).Length);
    }
}
