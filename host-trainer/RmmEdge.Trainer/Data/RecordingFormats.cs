using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>How to open a recording whose file does not say everything itself.</summary>
/// <param name="DtMs">Sampling period (ms) for formats that do not store it (MAT in the authors' layout, QSNMC text).</param>
/// <param name="Layout">Column layout of a headerless text file (see <see cref="ColumnLayout"/> presets).</param>
/// <param name="ReconstructCommand">ABF: rebuild the command current from the epoch table when it was not recorded.</param>
public sealed record RecordingOptions(double? DtMs = null, ColumnLayout? Layout = null, bool ReconstructCommand = true);

/// <summary>
/// Opens any supported recording by its content (magic bytes) and, for text, its name: ABF (pCLAMP),
/// Igor binary wave, MATLAB level-5 MAT, CSV/TSV with name_unit headers (plain or .gz), headerless
/// numeric text given a column layout, NWB 2.x (HDF5) current-clamp series.
/// </summary>
public static class RecordingFormats
{
    /// <summary>
    /// Extensions that promise a binary format, with the magic bytes that format starts with: a file
    /// named so that does not start with them is refused as "not an ABF file" instead of being read as text.
    /// </summary>
    private static readonly (string Extension, string Format, string Magic)[] Promised =
    [
        (".abf", "an ABF", "'ABF ' (ABF1) or 'ABF2'"),
        (".mat", "a MAT", "'MATLAB 5.0' (level-5 MAT)"),
        (".nwb", "an NWB", "the HDF5 signature"),
        (".h5", "an HDF5", "the HDF5 signature"),
        (".hdf5", "an HDF5", "the HDF5 signature"),
    ];

    /// <summary>The format of a file, as <see cref="Open"/> would read it.</summary>
    public static string Detect(string path)
    {
        UserFiles.RequireInput(path);

        byte[] head = new byte[128];
        int count;
        using (FileStream stream = File.OpenRead(path))
        {
            count = stream.Read(head, 0, head.Length);
        }

        string ascii = System.Text.Encoding.ASCII.GetString(head, 0, Math.Min(count, 8));
        if (ascii.StartsWith("ABF2", StringComparison.Ordinal) || ascii.StartsWith("ABF ", StringComparison.Ordinal))
        {
            return ascii.StartsWith("ABF2", StringComparison.Ordinal) ? "ABF2" : "ABF1";
        }

        if (count >= 8 && head[0] == 0x89 && ascii.Substring(1, 3) == "HDF")
        {
            return "HDF5";
        }

        if (count >= 116 && System.Text.Encoding.ASCII.GetString(head, 0, 10) == "MATLAB 5.0")
        {
            return "MAT5";
        }

        if (path.EndsWith(".ibw", StringComparison.OrdinalIgnoreCase))
        {
            return "IBW";
        }

        foreach ((string extension, string name, string magic) in Promised)
        {
            if (path.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            {
                throw new UserError($"{path}: not {name} file (it does not start with {magic})");
            }
        }

        return "CSV/text";
    }

    public static Recording Open(string path, RecordingOptions? options = null)
    {
        options ??= new RecordingOptions();
        Recording recording = Read(path, options);
        if (options.DtMs is double dt && Math.Abs(dt - recording.DtMs) > 1e-6 * recording.DtMs)
        {
            throw new UserError($"{path}: --dt {dt} ms contradicts the sampling period the file stores ({recording.DtMs:G6} ms); " +
                "--dt is for formats without one (MAT, headerless text)");
        }

        return recording;
    }

    private static Recording Read(string path, RecordingOptions options)
    {
        string format = Detect(path);
        switch (format)
        {
            case "ABF2":
                return AbfReader.Read(path, options.ReconstructCommand);
            case "ABF1":
                return AbfReader.Read(path);
            case "HDF5":
                return NwbReader.Read(path);
            case "MAT5":
                if (options.DtMs is not double dt)
                {
                    throw new UserError($"{path}: a MAT file does not store the sampling period; give it (--dt, in ms)");
                }

                return MatReader.ReadRmmLayout(path, dt);
            case "IBW":
                return IgorBinaryWaveReader.Read(path);
        }

        return options.Layout is null ? CsvRecordingReader.Read(path, options.DtMs) : TextColumnsReader.Read(path, options.Layout, options.DtMs);
    }

    /// <summary>The names of the column-layout presets.</summary>
    public static IReadOnlyList<string> LayoutNames { get; } = ["qsnmc", "bbp-asc", "efel"];

    /// <summary>The presets of <paramref name="columns"/> columns: what a headerless file of that width may be.</summary>
    public static string[] LayoutsWithColumns(int columns) => LayoutNames.Where(name => Layout(name).Names.Length == columns).ToArray();

    /// <summary>A column-layout preset by name: qsnmc, bbp-asc, efel.</summary>
    public static ColumnLayout Layout(string name) => name.ToLowerInvariant() switch
    {
        "qsnmc" => ColumnLayout.QsnmcChallengeA,
        "bbp-asc" => ColumnLayout.BlueBrainAsc,
        "efel" => ColumnLayout.EfelTrace,
        _ => throw new UserError($"unknown column layout '{UserError.Printable(name)}'; known: {string.Join(", ", LayoutNames)}"),
    };
}
