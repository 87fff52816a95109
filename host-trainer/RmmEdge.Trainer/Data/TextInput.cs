using System.IO.Compression;

namespace RmmEdge.Trainer.Data;

/// <summary>What the text readers share: opening plain or gzip text, and checking a time column.</summary>
internal static class TextInput
{
    /// <summary>Relative tolerance on the time step (files round t to a fixed number of decimals).</summary>
    private const double StepTolerance = 0.02;

    /// <summary>
    /// Opens <paramref name="path"/> as text, decompressing gzip (recognised by its magic bytes), runs
    /// <paramref name="parse"/>, and turns a corrupt or truncated gzip stream into a <see cref="UserError"/>.
    /// </summary>
    public static T Read<T>(string path, Func<TextReader, T> parse)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path}: file not found");
        }

        try
        {
            var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            bool gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
            file.Position = 0;
            if (path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) && !gzip)
            {
                file.Dispose();
                throw new UserError($"{path}: named .gz but is not gzip data");
            }

            using Stream stream = gzip ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16) : file;
            using var reader = new StreamReader(stream);
            return parse(reader);
        }
        catch (InvalidDataException e)
        {
            throw new UserError($"{path}: corrupt or truncated gzip data ({e.Message})", e);
        }
    }

    /// <summary>
    /// The mean step of a time column (in its own unit), after checking that it increases by a constant
    /// step: no gaps, no reordering. <paramref name="firstLine"/> is the file line of the first value.
    /// </summary>
    public static double ConstantStep(string source, IReadOnlyList<double> time, string column, int firstLine)
    {
        double step = (time[^1] - time[0]) / (time.Count - 1);
        if (!(step > 0))
        {
            throw new UserError($"{source}: column {column} does not increase (time must be monotonic)");
        }

        for (int k = 1; k < time.Count; k++)
        {
            double d = time[k] - time[k - 1];
            if (Math.Abs(d - step) > StepTolerance * step)
            {
                throw new UserError($"{source}, line {firstLine + k}: time step {d:G6} differs from the mean step {step:G6}; " +
                    "time must increase by a constant step (no gaps, no reordering)");
            }
        }

        return step;
    }
}
