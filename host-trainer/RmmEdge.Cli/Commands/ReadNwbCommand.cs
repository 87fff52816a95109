using System.CommandLine;
using System.Diagnostics;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Cli;

/// <summary>
/// NWB files are read by a helper process, this program again with the hidden command
/// <c>read-nwb FILE OUT</c>: the HDF5 C library crashes its process on some damaged files, and a crash
/// in the helper becomes one line about the file instead of a segmentation fault of rmm, and one that
/// loops forever on a damaged file is stopped after 20 s (and 1 s per 10 MB). Costs one process start
/// (about 0.1 s) per NWB file.
/// </summary>
public static class ReadNwbCommand
{
    private const string Name = "read-nwb";

    /// <summary>Makes every NWB read of this process go through the helper, stopped after <paramref name="limit"/> (default: 20 s and 1 s per 10 MB).</summary>
    public static void Install(TimeSpan? limit = null)
    {
        _limit = limit;
        NwbReader.OutOfProcess = ReadInHelper;
    }

    private static TimeSpan? _limit;

    internal static Command Build(CommandContext context)
    {
        var file = new Argument<string>("file");
        var output = new Argument<string>("out");
        var command = new Command(Name, "Read an NWB file and hand it over (used by rmm itself)") { Hidden = true };
        command.Arguments.Add(file);
        command.Arguments.Add(output);
        command.SetAction(parsed =>
        {
            RecordingTransfer.Write(NwbReader.ReadHere(parsed.GetValue(file)!), parsed.GetValue(output)!);
            return Cli.Ok;
        });
        return command;
    }

    private static Recording ReadInHelper(string path)
    {
        string transfer = Path.Combine(Path.GetTempPath(), $"rmm-nwb-{Guid.NewGuid():N}.bin");
        string self = typeof(ReadNwbCommand).Assembly.Location;
        string host = Environment.ProcessPath ?? "dotnet";
        var info = Path.GetFileNameWithoutExtension(host).StartsWith("dotnet", StringComparison.OrdinalIgnoreCase)
            ? new ProcessStartInfo(host) { ArgumentList = { "exec", self } }
            : new ProcessStartInfo(host);
        foreach (string argument in new[] { Name, path, transfer }) { info.ArgumentList.Add(argument); }   // same working folder: the path as the user gave it
        info.RedirectStandardError = true;
        info.RedirectStandardOutput = true;
        try
        {
            using Process helper = Process.Start(info) ?? throw new UserError($"{path}: cannot start a process to read it");
            Task<string> errors = helper.StandardError.ReadToEndAsync();
            Task<string> lines = helper.StandardOutput.ReadToEndAsync();
            TimeSpan limit = _limit ?? TimeSpan.FromSeconds(20 + new FileInfo(path).Length / 10e6);
            if (!helper.WaitForExit(limit))
            {
                helper.Kill(entireProcessTree: true);
                helper.WaitForExit();
                throw new UserError($"{path}: not a readable NWB file: the HDF5 library was still reading it after {limit.TotalSeconds:0} s (a damaged file?)");
            }

            helper.WaitForExit();
            string message = errors.Result.Trim();
            if (helper.ExitCode == Cli.Ok)
            {
                return RecordingTransfer.Read(transfer);
            }

            if (helper.ExitCode == Cli.Failure && message.StartsWith("rmm: ", StringComparison.Ordinal) && !message.Contains('\n'))
            {
                throw new UserError(message["rmm: ".Length..]);
            }

            throw new UserError($"{path}: not a readable NWB file: the HDF5 library failed on it (exit {helper.ExitCode}; a damaged file?)");
        }
        finally
        {
            File.Delete(transfer);
        }
    }
}
