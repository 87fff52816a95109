using System.Text.Json;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Rig.Board;

public sealed record EngineProfile(bool Available, int MaxRateHz, string? Needs);

public sealed record EnginesProfile(EngineProfile Managed, EngineProfile Native);

/// <summary>The ADC; <see cref="Channel2"/>/<see cref="Pin2"/> name a second input when the board wires two cells.</summary>
public sealed record AdcProfile(int Bits, int Channel, string Pin, double MinVolts, double MaxVolts, bool NonLinear, int? Channel2 = null, string? Pin2 = null);

/// <summary>The DAC; <see cref="Channel2"/>/<see cref="Pin2"/> name a second output when the board wires two cells.</summary>
public sealed record DacProfile(string Kind, int Bits, int Channel, string Pin, double MinVolts, double MaxVolts, bool WrapsAround,
    string? SpiBus, string? ChipSelectPin, int? Channel2 = null, string? Pin2 = null);

public sealed record SerialProfile(string Port, string? RxPin, string? TxPin, int Baud);

/// <summary>How the amplifier and the level shifters map converter volts to membrane mV and injected nA.</summary>
public sealed record FrontEndPreset(string Name, double MvPerVolt, double InputOffsetVolts, double NaPerVolt, double OutputOffsetVolts);

/// <summary>
/// A board profile (boards/*.json), validated against boards/board-profile.schema.json before use:
/// converters, clock, timing source, engines with their rates, serial link, front-end presets.
/// </summary>
public sealed record BoardProfile(string Id, string Name, string NanoFrameworkTarget, string Core, double ClockMhz, string TimingSource,
    string? Notes, EnginesProfile Engines, AdcProfile Adc, DacProfile Dac, SerialProfile Serial, int MaxModelBytes, FrontEndPreset[] FrontEndPresets)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    /// <summary>Front-end preset number <paramref name="index"/> (option --preset), or a UserError listing those there are.</summary>
    public FrontEndPreset Preset(int index) =>
        index >= 0 && index < FrontEndPresets.Length
            ? FrontEndPresets[index]
            : throw new UserError($"--preset {index}: board profile {Id} has presets 0–{FrontEndPresets.Length - 1} " +
                $"({string.Join(", ", FrontEndPresets.Select((p, i) => $"{i}: {p.Name}"))})");

    /// <summary>Converter channel pairs the board wires: 2 when both the ADC and the DAC name a second channel.</summary>
    public int Channels => Adc.Channel2 is not null && Dac.Channel2 is not null ? 2 : 1;

    /// <summary>Loads a profile by path, or by id from the boards/ folder of this RmmEdge tree.</summary>
    public static BoardProfile Load(string pathOrId)
    {
        string path = File.Exists(pathOrId) ? pathOrId : Path.Combine(BoardsFolder() ?? "", pathOrId + ".json");
        if (!File.Exists(path))
        {
            string known = BoardsFolder() is string folder
                ? string.Join(", ", Directory.GetFiles(folder, "*.json").Select(Path.GetFileNameWithoutExtension).Where(n => n != "board-profile.schema"))
                : "none found";
            throw new UserError($"{pathOrId}: no such board profile (known boards: {known})");
        }

        string schemaPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "board-profile.schema.json");
        if (!File.Exists(schemaPath))
        {
            schemaPath = Path.Combine(BoardsFolder() ?? "", "board-profile.schema.json");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new UserError($"{path}: not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})");
        }

        using (doc)
        {
            List<string> errors = JsonSchemaValidator.Load(schemaPath).Validate(doc.RootElement);
            if (errors.Count > 0)
            {
                throw new UserError($"{path}: not a valid board profile: {string.Join("; ", errors)}");
            }

            BoardProfile profile = doc.RootElement.Deserialize<BoardProfile>(Json)!;
            if (profile.Adc.MinVolts >= profile.Adc.MaxVolts || profile.Dac.MinVolts >= profile.Dac.MaxVolts)
            {
                throw new UserError($"{path}: converter ranges must be increasing (adc {profile.Adc.MinVolts}…{profile.Adc.MaxVolts} V, dac {profile.Dac.MinVolts}…{profile.Dac.MaxVolts} V)");
            }

            return profile;
        }
    }

    /// <summary>The boards/ folder above the program or the working directory.</summary>
    public static string? BoardsFolder()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "boards");
                if (File.Exists(Path.Combine(candidate, "board-profile.schema.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The engine that runs a model stepping every <paramref name="dtMs"/> ms (the managed one when it
    /// suffices, else the native one), or null with the reason when no engine of this board holds it.
    /// </summary>
    public byte? EngineFor(double dtMs, out string reason)
    {
        double rateHz = 1000 / dtMs;
        reason = "";
        if (Engines.Managed.Available && rateHz <= Engines.Managed.MaxRateHz)
        {
            return BoardInfo.EngineManaged;
        }

        if (Engines.Native.Available && rateHz <= Engines.Native.MaxRateHz)
        {
            return BoardInfo.EngineNative;
        }

        reason = $"the model steps at {rateHz:0.#} Hz (dt {dtMs} ms); {Name} holds at most " +
            $"{(Engines.Managed.Available ? $"{Engines.Managed.MaxRateHz} Hz with the managed engine" : "no managed engine")} and " +
            $"{(Engines.Native.Available ? $"{Engines.Native.MaxRateHz} Hz with the native engine ({Engines.Native.Needs})" : "no native engine")}; " +
            "compile the model at a coarser step or use a faster board";
        return null;
    }
}
