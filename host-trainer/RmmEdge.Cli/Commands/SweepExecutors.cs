using System.Diagnostics;
using System.Globalization;
using System.Text;
using RmmEdge.Rig;
using RmmEdge.Trainer.Sweeps;

namespace RmmEdge.Cli;

/// <summary>
/// Runs a sweep's pending tasks as independent processes on this machine, <c>parallel</c> at a time:
/// one failing run does not stop the others. Prints what is done, running and failed, with an ETA.
/// </summary>
internal sealed class LocalExecutor(SweepSpec spec, string outDir, int parallel, CommandContext context)
{
    public IReadOnlyList<SweepTask> Run(IReadOnlyList<SweepTask> pending, int retries)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<SweepTask> failed = Round(pending, clock);
        for (int retry = 1; retry <= retries && failed.Count > 0; retry++)
        {
            context.Out.WriteLine($"retry {retry}: {failed.Count} failed run(s) again");
            failed = Round(failed, clock);
        }

        return failed;
    }

    private List<SweepTask> Round(IReadOnlyList<SweepTask> tasks, Stopwatch clock)
    {
        var queue = new Queue<SweepTask>(tasks);
        var running = new List<(SweepTask Task, Process Process, Stopwatch Clock)>();
        var failed = new List<SweepTask>();
        var durations = new List<double>();
        int done = 0;
        (string file, string prefix) = SelfProcess.Command();
        while (queue.Count > 0 || running.Count > 0)
        {
            while (running.Count < parallel && queue.TryDequeue(out SweepTask? task))
            {
                var info = new ProcessStartInfo(file, $"{prefix} sweep \"{spec.SourcePath}\" --out \"{outDir}\" --task {task.Index}")
                {
                    RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                };
                Process process = Process.Start(info) ?? throw new UserError($"cannot start {file} for run {task.Id}");
                process.OutputDataReceived += (_, _) => { };
                process.ErrorDataReceived += (_, _) => { };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                running.Add((task, process, Stopwatch.StartNew()));
            }

            Thread.Sleep(200);
            foreach (var run in running.Where(r => r.Process.HasExited).ToArray())
            {
                running.Remove(run);
                bool ok = run.Process.ExitCode == 0 && SweepResult.Read(SweepCommand.RunDir(outDir, run.Task)) is not null;
                run.Process.Dispose();
                if (ok) { done++; durations.Add(run.Clock.Elapsed.TotalSeconds); } else { failed.Add(run.Task); }
                string eta = durations.Count == 0 ? "" : $", ETA {durations.Average() * (queue.Count + running.Count) / parallel:0} s";
                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {run.Task.Id} {(ok ? "done" : $"FAILED (runs/{run.Task.Id}/log.txt)")}: " +
                    $"done {done}/{done + failed.Count + running.Count + queue.Count}, running {running.Count}, failed {failed.Count}{eta}");
            }
        }

        return failed;
    }
}

/// <summary>Where and how big each Slurm array task is.</summary>
internal sealed record SlurmOptions(string? Partition, string? Time, int CpusPerTask, string? Memory);

/// <summary>
/// Runs a sweep's pending tasks as one Slurm job array (`sbatch --array=LIST%K`, each task `rmm sweep …
/// --task $SLURM_ARRAY_TASK_ID`), follows it with `squeue` until it leaves the queue, and collects what
/// each task wrote; a task without a result failed (its Slurm log is slurm/JOB_TASK.log). Failed tasks are
/// submitted again up to the number of retries asked. No scheduler of our own and no SSH: the shared
/// file system carries the results.
/// </summary>
internal sealed class SlurmExecutor(SweepSpec spec, string outDir, int parallel, SlurmOptions options, CommandContext context)
{
    public IReadOnlyList<SweepTask> Run(IReadOnlyList<SweepTask> pending, int retries)
    {
        IReadOnlyList<SweepTask> failed = pending;
        for (int round = 0; round <= retries && failed.Count > 0; round++)
        {
            if (round > 0)
            {
                context.Out.WriteLine($"retry {round}: submitting {failed.Count} failed task(s) again");
            }

            failed = Submit(failed, round);
        }

        return failed;
    }

    private List<SweepTask> Submit(IReadOnlyList<SweepTask> tasks, int round)
    {
        string slurmDir = Path.Combine(outDir, "slurm");
        Directory.CreateDirectory(slurmDir);
        (string file, string prefix) = SelfProcess.Command();
        string array = string.Join(',', tasks.Select(t => t.Index));
        var script = new StringBuilder("#!/bin/bash\n");
        script.Append($"#SBATCH --job-name=rmm-{spec.Name}\n#SBATCH --array={array}%{parallel}\n");
        script.Append($"#SBATCH --output={slurmDir}/%A_%a.log\n#SBATCH --cpus-per-task={options.CpusPerTask}\n");
        if (options.Partition is string p) { script.Append($"#SBATCH --partition={p}\n"); }
        if (options.Time is string t) { script.Append($"#SBATCH --time={t}\n"); }
        if (options.Memory is string m) { script.Append($"#SBATCH --mem={m}\n"); }
        script.Append($"cd \"{Environment.CurrentDirectory}\"\n");
        script.Append($"exec \"{file}\" {prefix} sweep \"{spec.SourcePath}\" --out \"{outDir}\" --task \"$SLURM_ARRAY_TASK_ID\"\n");
        string scriptPath = Path.Combine(slurmDir, $"sweep-{round}.sbatch");
        UserFiles.WriteAtomically(scriptPath, script.ToString());

        string jobId = Tool("sbatch", $"--parsable \"{scriptPath}\"").Trim().Split(';')[0];
        context.Out.WriteLine($"submitted job {jobId}: array {array}%{parallel} ({scriptPath})");
        var states = new Dictionary<string, string>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string queue = Tool("squeue", $"-h -j {jobId} -o \"%i %T\"");
            var now = queue.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim().Split(' ')).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1]);
            foreach ((string id, string state) in now.Where(kv => !states.TryGetValue(kv.Key, out string? old) || old != kv.Value))
            {
                context.Out.WriteLine($"[{clock.Elapsed.TotalSeconds,5:0}s] {id} {state}");
            }

            states = now;
            if (now.Count == 0)
            {
                break;
            }

            Thread.Sleep(1000);
        }

        var failed = tasks.Where(task => SweepResult.Read(SweepCommand.RunDir(outDir, task)) is null).ToList();
        Dictionary<int, string> final = FinalStates(jobId);
        foreach (SweepTask task in tasks)
        {
            bool ok = !failed.Contains(task);
            string state = final.TryGetValue(task.Index, out string? s) ? s + ", " : "";
            context.Out.WriteLine($"  {jobId}_{task.Index} ({task.Id}): {state}{(ok ? "result collected" : $"no result (slurm/{jobId}_{task.Index}.log, runs/{task.Id}/log.txt)")}");
        }

        return failed;
    }

    /// <summary>
    /// Each array task's final state from `scontrol -o show job` (kept by slurmctld for MinJobAge after the
    /// end; sacct needs accounting storage, which a small cluster may not run). Empty when it is gone.
    /// </summary>
    private static Dictionary<int, string> FinalStates(string jobId)
    {
        var states = new Dictionary<int, string>();
        string text;
        try
        {
            text = Tool("scontrol", $"-o show job {jobId}");
        }
        catch (UserError)
        {
            return states;
        }

        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Dictionary<string, string> fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
                .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (fields.TryGetValue("ArrayTaskId", out string? task) && int.TryParse(task, NumberStyles.None, CultureInfo.InvariantCulture, out int index)
                && fields.TryGetValue("JobState", out string? state))
            {
                states[index] = state;
            }
        }

        return states;
    }

    private static string Tool(string tool, string arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new UserError($"cannot start {tool}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserError($"--executor slurm needs {tool} on the PATH (a Slurm client: Debian slurm-client)");
        }

        using (process)
        {
            string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new UserError($"{tool} {arguments}: {UserError.OneLine(stderr.Trim().Length > 0 ? stderr.Trim() : $"exit {process.ExitCode}")}");
            }

            return stdout;
        }
    }
}
