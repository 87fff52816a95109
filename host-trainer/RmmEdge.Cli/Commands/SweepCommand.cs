using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RmmEdge.Rig;
using RmmEdge.Trainer.Sweeps;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm sweep SWEEP.json|yaml`: every training of a grid over data sets, seeds and configuration
/// overrides, each run as its own `rmm sweep … --task I` process (locally, or as a Slurm array task), each
/// writing runs/ID/{config.json, log.txt, model.rmm.json, result.json}. A run with a result.json is done:
/// a sweep started again skips it. Then the summary (text, CSV, HTML) and best/DATA.rmm.json, the run of
/// each data set with the highest validation score.
/// </summary>
internal static class SweepCommand
{
    public static Command Build(CommandContext context)
    {
        var file = new Argument<string>("sweep") { Description = "The sweep (.json or .yaml): data sets, seeds, grid or points of configuration overrides" };
        var output = new Option<string?>("--out") { Description = "Folder for runs and summary (default: NAME-sweep beside the sweep file)" };
        var executor = new Option<string>("--executor") { Description = "local (processes on this machine) or slurm (one sbatch job array)", DefaultValueFactory = _ => "local" };
        executor.AcceptOnlyFromAmong("local", "slurm");
        var parallel = CommandContext.Within(new Option<int?>("--parallel") { Description = "Runs at a time (default: the sweep's 'parallel', else 1)" }, 1, 64, "runs");
        var task = new Option<int?>("--task") { Description = "Run one task of the sweep (what each local process and Slurm array task runs)" };
        var retries = CommandContext.Within(new Option<int>("--retries") { Description = "Submit failed runs again up to N times", DefaultValueFactory = _ => 0 }, 0, 10, "times");
        var partition = new Option<string?>("--partition") { Description = "Slurm partition" };
        var time = new Option<string?>("--time") { Description = "Slurm time limit per task, e.g. 00:30:00" };
        var cpus = CommandContext.Within(new Option<int>("--cpus-per-task") { Description = "Slurm CPUs per task", DefaultValueFactory = _ => 2 }, 1, 256, "CPUs");
        var memory = new Option<string?>("--mem") { Description = "Slurm memory per task, e.g. 4G" };
        var command = new Command("sweep", "Train a grid of models (data sets × seeds × configuration overrides), keep the best per data set by validation.\n" +
            "Examples:\n  rmm sweep hco-seeds.yaml\n  rmm sweep hco-seeds.yaml --executor slurm --partition short --time 00:30:00 --cpus-per-task 2");
        command.Arguments.Add(file);
        foreach (Option o in new Option[] { output, executor, parallel, task, retries, partition, time, cpus, memory }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            SweepSpec spec = SweepSpec.Load(parsed.GetValue(file)!);
            string outDir = Path.GetFullPath(parsed.GetValue(output) ?? Path.Combine(Path.GetDirectoryName(spec.SourcePath)!, $"{spec.Name}-sweep"));
            if (parsed.GetValue(task) is int index)
            {
                if (index < 0 || index >= spec.Tasks.Count)
                {
                    throw new UserError($"--task {index}: the sweep has tasks 0–{spec.Tasks.Count - 1}");
                }

                return RunTask(spec.Tasks[index], outDir);
            }

            Directory.CreateDirectory(Path.Combine(outDir, "runs"));
            SweepTask[] pending = spec.Tasks.Where(t => SweepResult.Read(RunDir(outDir, t)) is null).ToArray();
            context.Out.WriteLine($"sweep {spec.Name}: {spec.Tasks.Count} runs ({spec.Data.Count} data set(s) × {spec.Tasks.Count / spec.Data.Count} per data set); " +
                $"{spec.Tasks.Count - pending.Length} already done, {pending.Length} to run; results in {outDir}");
            int at = parsed.GetValue(parallel) ?? spec.Parallel;
            IReadOnlyList<SweepTask> failed = parsed.GetValue(executor) == "slurm"
                ? new SlurmExecutor(spec, outDir, at, new SlurmOptions(parsed.GetValue(partition), parsed.GetValue(time), parsed.GetValue(cpus), parsed.GetValue(memory)), context)
                    .Run(pending, parsed.GetValue(retries))
                : new LocalExecutor(spec, outDir, at, context).Run(pending, parsed.GetValue(retries));

            SweepResult[] results = spec.Tasks.Select(t => SweepResult.Read(RunDir(outDir, t))).OfType<SweepResult>().ToArray();
            var summary = new SweepSummary(spec, results, failed);
            summary.Save(outDir);
            context.Out.Write(summary.Text());
            context.Out.WriteLine($"summary: {Path.Combine(outDir, "summary.txt")}, .csv, .html; kept models in {Path.Combine(outDir, "best")}");
            return failed.Count == 0 ? Cli.Ok : Cli.Failure;
        });
        return command;
    }

    public static string RunDir(string outDir, SweepTask task) => Path.Combine(outDir, "runs", task.Id);

    /// <summary>One run: its configuration, `rmm train` (and `rmm eval --json` on the test data) through the same CLI, its log and result.</summary>
    private static int RunTask(SweepTask task, string outDir)
    {
        string dir = RunDir(outDir, task);
        Directory.CreateDirectory(dir);
        string config = Path.Combine(dir, "config.json"), model = Path.Combine(dir, "model.rmm.json"), training = Path.Combine(dir, "training.json");
        UserFiles.WriteAtomically(config, task.ConfigJson);
        using var log = new StreamWriter(Path.Combine(dir, "log.txt"), append: false) { AutoFlush = true };
        log.WriteLine($"task {task.Index} ({task.Id}): data {task.Data.Name}, overrides {task.Overrides}, seed {task.Seed}");
        int code = Cli.Run([.. new[] { "train" }, .. task.Data.Train, .. task.Data.Options, "--config", config, "--out", model, "--result", training], log, log);
        if (code != Cli.Ok)
        {
            log.WriteLine($"rmm train exited {code}");
            return Cli.Failure;
        }

        JsonNode? test = null;
        if (task.Data.Test.Length > 0)
        {
            var json = new StringWriter();
            code = Cli.Run([.. new[] { "eval", model }, .. task.Data.Test, .. task.Data.Options, "--json"], json, log);
            log.Write(json);
            test = code == Cli.Ok || json.ToString().TrimStart().StartsWith('{') ? JsonNode.Parse(json.ToString()) : null;   // a diverged free run still reports
            if (test is null)
            {
                log.WriteLine($"rmm eval exited {code}");
                return Cli.Failure;
            }
        }

        JsonObject figures = JsonNode.Parse(File.ReadAllText(training))!.AsObject();
        new SweepResult(task.Index, task.Id, task.Data.Name, task.Point, task.Overrides, task.Seed, figures["validation"]!.GetValue<double>(),
            figures["selectedEpoch"]!.GetValue<int>(), figures["seconds"]!.GetValue<double>(), figures["parameters"]!.GetValue<int>(), test).Save(dir);
        log.WriteLine("done");
        return Cli.Ok;
    }
}

/// <summary>How to start this program again as a child process: `dotnet rmm.dll` (also from a test host).</summary>
internal static class SelfProcess
{
    public static (string File, string ArgumentsPrefix) Command()
    {
        string dll = typeof(SweepCommand).Assembly.Location;
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
            : Environment.ProcessPath is string self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        return (dotnet, $"\"{dll}\"");
    }
}
