using System.Diagnostics;

namespace RmmEdge.Cli.Tests;

/// <summary>
/// A real one-node Slurm cluster for the sweep tests: munged with a generated key, slurmctld and slurmd
/// from Debian's packages (slurmctld, slurmd, slurm-client, munge; .ci/run installs them), with a
/// slurm.conf under a temporary folder: process tracking by /proc (proctrack/linuxproc), no task plugin,
/// no cgroups, no accounting, its own ports. Needs root (slurmd runs jobs as their user). The clients
/// find it through SLURM_CONF, which <see cref="Start"/> sets for this process and its children.
/// </summary>
public sealed class SingleNodeSlurm : IDisposable
{
    private readonly string _dir;

    private SingleNodeSlurm(string dir) => _dir = dir;

    /// <summary>Why a cluster cannot be started here, or null when it can.</summary>
    public static string? Missing()
    {
        string[] tools = ["munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel"];
        string[] absent = tools.Where(t => !new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => File.Exists(Path.Combine(d, t)))).ToArray();
        if (absent.Length > 0)
        {
            return $"{string.Join(", ", absent)} not installed (.ci/run installs slurmctld slurmd slurm-client munge)";
        }

        return Environment.UserName == "root" ? null : "a Slurm node needs root to start slurmd";
    }

    public static SingleNodeSlurm Start()
    {
        string dir = Directory.CreateTempSubdirectory("rmm-slurm-").FullName;
        foreach (string sub in new[] { "state", "spool", "munge" }) { Directory.CreateDirectory(Path.Combine(dir, sub)); }
        string key = Path.Combine(dir, "munge", "munge.key"), socket = Path.Combine(dir, "munge", "munge.socket");
        Run("mungekey", $"--create --keyfile {key} --force");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        Run("munged", $"--force --key-file={key} --socket={socket} --pid-file={dir}/munge/munged.pid --log-file={dir}/munge/munged.log --seed-file={dir}/munge/seed");
        string host = Environment.MachineName;
        File.WriteAllText(Path.Combine(dir, "slurm.conf"), $"""
            ClusterName=rmmtest
            SlurmctldHost={host}
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_Core
            StateSaveLocation={dir}/state
            SlurmdSpoolDir={dir}/spool
            SlurmctldPidFile={dir}/slurmctld.pid
            SlurmdPidFile={dir}/slurmd.pid
            SlurmctldLogFile={dir}/slurmctld.log
            SlurmdLogFile={dir}/slurmd.log
            SlurmctldPort=16917
            SlurmdPort=16918
            JobCompType=jobcomp/none
            AccountingStorageType=accounting_storage/none
            MpiDefault=none
            ReturnToService=2
            NodeName={host} CPUs={Environment.ProcessorCount} RealMemory=1000 State=UNKNOWN
            PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP

            """);
        Environment.SetEnvironmentVariable("SLURM_CONF", Path.Combine(dir, "slurm.conf"));
        var cluster = new SingleNodeSlurm(dir);
        Run("slurmctld", "-c");
        Run("slurmd", "");
        var clock = Stopwatch.StartNew();
        while (!Run("sinfo", "-h -o %t").Contains("idle"))
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30))
            {
                cluster.Dispose();
                throw new InvalidOperationException($"the Slurm node did not become idle in 30 s:\n{File.ReadAllText(Path.Combine(dir, "slurmctld.log"))}");
            }

            Thread.Sleep(500);
        }

        return cluster;
    }

    public static string Run(string tool, string arguments)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info)!;
        string stdout = process.StandardOutput.ReadToEnd(), stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? stdout : throw new InvalidOperationException($"{tool} {arguments}: exit {process.ExitCode}: {stderr}");
    }

    public void Dispose()
    {
        foreach (string pid in new[] { "slurmd.pid", "slurmctld.pid", "munge/munged.pid" }.Select(f => Path.Combine(_dir, f)).Where(File.Exists))
        {
            try
            {
                using Process daemon = Process.GetProcessById(int.Parse(File.ReadAllText(pid).Trim()));
                daemon.Kill();
                daemon.WaitForExit(5000);
            }
            catch (ArgumentException)
            {
                // already gone
            }
        }

        Environment.SetEnvironmentVariable("SLURM_CONF", null);
        Directory.Delete(_dir, recursive: true);
    }
}
