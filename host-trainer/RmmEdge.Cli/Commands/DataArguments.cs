using System.CommandLine;
using RmmEdge.Trainer.Data;

namespace RmmEdge.Cli;

/// <summary>Reads a recording named on the command line into a <see cref="Dataset"/>, with the shared --dt/--layout options.</summary>
internal sealed class DataArguments
{
    public Option<double?> Dt { get; } = CommandContext.DtOption();

    public Option<string?> Layout { get; } = CommandContext.LayoutOption();

    public void AddTo(Command command)
    {
        command.Options.Add(Dt);
        command.Options.Add(Layout);
    }

    public Recording Open(ParseResult parsed, string path)
    {
        string? layout = parsed.GetValue(Layout);
        return RecordingFormats.Open(path, new RecordingOptions(parsed.GetValue(Dt), layout is null ? null : RecordingFormats.Layout(layout)));
    }

    /// <summary>The recording as V (mV) / I (nA) per neuron, sweeps concatenated.</summary>
    public Dataset Load(ParseResult parsed, string path) => Dataset.FromRecording(Open(parsed, path));
}
