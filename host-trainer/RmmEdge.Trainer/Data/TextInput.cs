using System.Buffers.Binary;
using System.IO.Compression;
using RmmEdge.Rig;
using RmmEdge.SharedModel.Format;

namespace RmmEdge.Trainer.Data;

/// <summary>What the text readers share: opening plain or gzip text, and checking a time column.</summary>
internal static class TextInput
{
    /// <summary>
    /// Opens <paramref name="path"/> as text, decompressing gzip (recognised by its magic bytes), runs
    /// <paramref name="parse"/>, and turns a corrupt or truncated gzip stream into a <see cref="UserError"/>.
    /// </summary>
    public static T Read<T>(string path, Func<TextReader, T> parse)
    {
        UserFiles.RequireInput(path);

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

            using Stream stream = gzip ? new BufferedStream(new CheckedGzipStream(file), 1 << 16) : file;
            using var reader = new StreamReader(stream);
            return parse(reader);
        }
        catch (InvalidDataException e)
        {
            throw new UserError($"{path}: corrupt or truncated gzip data ({e.Message})", e);
        }
    }
}

/// <summary>
/// One channel's samples as a text file is parsed, in chunks of 64 Ki floats (4 bytes a value, no
/// doubling copies), refused beyond <see cref="Recording.MaxSamples"/>.
/// </summary>
internal sealed class SampleColumn
{
    private const int ChunkBits = 16, ChunkSize = 1 << ChunkBits;
    private readonly List<float[]> _chunks = [];

    public int Count { get; private set; }

    public void Add(double value, string source, int line)
    {
        if (!float.IsFinite((float)value))
        {
            throw new UserError($"{source}, line {line}: {value:G6} is beyond what a recording holds (|x| < 3.4e38 after unit conversion)");
        }

        if (Count == Recording.MaxSamples)
        {
            throw new UserError($"{source}: more than {Recording.MaxSamples:N0} samples per channel; split the recording into shorter files");
        }

        if ((Count & (ChunkSize - 1)) == 0)
        {
            _chunks.Add(new float[ChunkSize]);
        }

        _chunks[^1][Count & (ChunkSize - 1)] = (float)value;
        Count++;
    }

    /// <summary>The samples, each multiplied by <paramref name="factor"/> (a unit conversion; a product beyond float range is refused).</summary>
    public float[] ToArray(string source, double factor = 1)
    {
        float[] result = new float[Count];
        for (int k = 0; k < Count; k++)
        {
            result[k] = (float)(_chunks[k >> ChunkBits][k & (ChunkSize - 1)] * factor);
            if (!float.IsFinite(result[k]))
            {
                throw new UserError($"{source}: sample {k} is beyond what a recording holds after unit conversion (×{factor:G3})");
            }
        }

        return result;
    }
}

/// <summary>
/// Checks a time column while it is read, without keeping it: it must increase by a constant step
/// (each step within 2 % of the mean so far: files round t to a fixed number of decimals), so there
/// are no gaps and no reordering. <see cref="Step"/> is the mean step, in the column's own unit.
/// </summary>
internal sealed class TimeColumnCheck(string source, string column)
{
    /// <summary>Relative tolerance on the time step.</summary>
    private const double StepTolerance = 0.02;

    private double _first, _last;
    private long _count;

    public void Add(double t, int line)
    {
        if (_count == 0)
        {
            _first = t;
        }
        else
        {
            double step = _count == 1 ? t - _last : (_last - _first) / (_count - 1);
            double d = t - _last;
            if (!(d > 0))
            {
                throw new UserError($"{source}, line {line}: column {column} goes from {_last:G9} to {t:G9}; time must increase by a constant step (no reordering)");
            }

            if (Math.Abs(d - step) > StepTolerance * step)
            {
                throw new UserError($"{source}, line {line}: time step {d:G6} differs from the mean step {step:G6}; " +
                    "time must increase by a constant step (no gaps, no reordering)");
            }
        }

        _last = t;
        _count++;
    }

    public double Step => (_last - _first) / (_count - 1);
}

/// <summary>
/// Gzip decompression that proves the file whole: .NET's GZipStream ends quietly where a file was cut
/// (a cut between deflate blocks, or a missing 8-byte trailer, loads as a shorter recording). At the
/// end of the data this stream compares the CRC-32 and the length (mod 2^32) of everything it produced
/// with the trailer, the file's last 8 bytes (RFC 1952 §2.3), and throws <see cref="InvalidDataException"/>
/// on any difference. A file of several concatenated gzip members, whose last trailer covers only the
/// last member, fails this check too: recompress it as one member (gzip -dc f.gz | gzip > g.gz).
/// </summary>
internal sealed class CheckedGzipStream : Stream
{
    private readonly FileStream _file;
    private readonly GZipStream _gzip;
    private uint _crc = Crc32.Initial;
    private uint _length;
    private bool _checked;

    public CheckedGzipStream(FileStream file)
    {
        _file = file;
        _gzip = new GZipStream(file, CompressionMode.Decompress, leaveOpen: true);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = _gzip.Read(buffer, offset, count);
        if (n > 0)
        {
            _crc = Crc32.Update(_crc, buffer, offset, n);
            _length = unchecked(_length + (uint)n);
        }
        else if (count > 0 && !_checked)
        {
            CheckTrailer();
        }

        return n;
    }

    private void CheckTrailer()
    {
        _checked = true;
        if (_file.Length < 18)
        {
            throw new InvalidDataException("shorter than a gzip header and trailer");
        }

        byte[] trailer = new byte[8];
        _file.Position = _file.Length - 8;
        _file.ReadExactly(trailer);
        uint crc = BinaryPrimitives.ReadUInt32LittleEndian(trailer), length = BinaryPrimitives.ReadUInt32LittleEndian(trailer.AsSpan(4));
        uint actual = Crc32.Finish(_crc);
        if (length != _length)
        {
            throw new InvalidDataException($"the data ends after {_length:N0} bytes but the gzip trailer says {length:N0}: the file was cut short " +
                "(or holds several gzip members)");
        }

        if (crc != actual)
        {
            throw new InvalidDataException($"CRC-32 {actual:X8} of the data differs from {crc:X8} in the gzip trailer: the file is damaged");
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
            _file.Dispose();
        }

        base.Dispose(disposing);
    }
}
