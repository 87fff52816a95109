using System.CommandLine;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Cli;

/// <summary>Reads a recording named on the command line into a <see cref="Dataset"/>, with the shared --dt/--layout options.</summary>
internal sealed class DataArguments
{
    public Option<double?> Dt { get; } = CommandContext.DtOption();

    public Option<string?> Layout { get; } = CommandContext.LayoutOption();

    public Option<string[]> Voltage { get; } = new("--voltage")
    {
        Description = "Voltage channel(s), one per neuron: NAME or NAME:UNIT (e.g. \"IN 0\" or \"IN 0:mV\"); default: V or V1, V2, ...",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string[]> Current { get; } = new("--current")
    {
        Description = "Injected-current channel(s), one per voltage: NAME or NAME:UNIT (e.g. \"Cmd 0:pA\")",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Dt);
        command.Options.Add(Layout);
        command.Options.Add(Voltage);
        command.Options.Add(Current);
    }

    public Recording Open(ParseResult parsed, string path)
    {
        string? layout = parsed.GetValue(Layout);
        return RecordingFormats.Open(path, new RecordingOptions(parsed.GetValue(Dt), layout is null ? null : RecordingFormats.Layout(layout)));
    }

    /// <summary>The recording as V (mV) / I (nA) per neuron (channels chosen by --voltage/--current), sweeps concatenated.</summary>
    public Dataset Load(ParseResult parsed, string path)
    {
        Recording recording = Open(parsed, path);
        string[] voltages = parsed.GetValue(Voltage) ?? [], currents = parsed.GetValue(Current) ?? [];
        if (voltages.Length > 0 || currents.Length > 0)
        {
            recording = recording.Select(voltages, currents);
        }

        return Dataset.FromRecording(recording, allowMissingCurrent: currents.Length == 0 && voltages.Length > 0);
    }
}
