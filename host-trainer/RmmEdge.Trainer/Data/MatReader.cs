using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads MATLAB level-5 MAT files (what `save` writes by default up to -v7, zlib-compressed elements
/// included), written from MathWorks' published "MAT-File Format" description: a 128-byte header,
/// then tagged data elements; numeric real vectors (double, single, int8–uint32, int64) are returned
/// by name. <see cref="ReadRmmLayout"/> maps the RMM authors' layout — vectors V1..Vn (mV) and I1..Im
/// (nA), the sampling period given by the user — to a <see cref="Recording"/>.
/// </summary>
public static class MatReader
{
    private const int MiInt8 = 1, MiUint8 = 2, MiInt16 = 3, MiUint16 = 4, MiInt32 = 5, MiUint32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUint64 = 13, MiMatrix = 14, MiCompressed = 15;

    /// <summary>Every numeric real vector in the file, by variable name.</summary>
    public static Dictionary<string, double[]> ReadVectors(string path)
    {
        UserFiles.RequireInput(path);

        byte[] b = File.ReadAllBytes(path);
        if (b.Length < 128)
        {
            throw new UserError($"{path}: {b.Length} bytes, too short for a MAT file (128-byte header)");
        }

        string text = Encoding.ASCII.GetString(b, 0, 10);
        // MATLAB -v7.3 files are HDF5 with a 512-byte text preamble: the HDF5 signature follows it.
        if (b.Length >= 516 && Encoding.ASCII.GetString(b, 513, 3) == "HDF")
        {
            throw new UserError($"{path}: a MATLAB -v7.3 (HDF5) file; re-save it with save(..., '-v7') or read it as NWB/HDF5");
        }

        if (!text.StartsWith("MATLAB 5.0"))
        {
            throw new UserError($"{path}: not a MATLAB level-5 MAT file (header does not start with 'MATLAB 5.0')");
        }

        bool little = b[126] == (byte)'I' && b[127] == (byte)'M';
        if (!little && !(b[126] == (byte)'M' && b[127] == (byte)'I'))
        {
            throw new UserError($"{path}: bad endian indicator in the MAT header");
        }

        var result = new Dictionary<string, double[]>();
        ReadElements(b, 128, b.Length, little, path, result);
        return result;
    }

    /// <summary>The RMM authors' layout: V1..Vn in mV, I1..Im in nA (a missing I_k means no injected current).</summary>
    public static Recording ReadRmmLayout(string path, double dtMs)
    {
        if (!(dtMs > 0))
        {
            throw new UserError($"{path}: a MAT file does not store the sampling period; give a positive one (was {dtMs} ms)");
        }

        Dictionary<string, double[]> vectors = ReadVectors(path);
        var channels = new List<Channel>();
        for (int n = 1; vectors.TryGetValue($"V{n}", out double[]? v); n++)
        {
            channels.Add(new Channel($"V{n}", "mV", v.Select(x => (float)x).ToArray()));
            if (vectors.TryGetValue($"I{n}", out double[]? i))
            {
                if (i.Length != v.Length)
                {
                    throw new UserError($"{path}: I{n} has {i.Length} samples, V{n} has {v.Length}");
                }

                channels.Add(new Channel($"I{n}", "nA", i.Select(x => (float)x).ToArray()));
            }
        }

        if (channels.Count == 0)
        {
            throw new UserError($"{path}: no vectors V1, V2, ... (the RMM layout); variables are {string.Join(", ", vectors.Keys)}");
        }

        foreach ((string name, double[] data) in vectors.Where(kv => kv.Key.StartsWith("Temp", StringComparison.Ordinal)))
        {
            if (data.Length == channels[0].Samples.Length)
            {
                channels.Add(new Channel(name, "nA", data.Select(x => (float)x).ToArray()));
            }
        }

        return new Recording(path, dtMs, channels);
    }

    /// <summary>Largest inflated compressed element: one channel of <see cref="Recording.MaxSamples"/> doubles and its header.</summary>
    private const long MaxInflatedBytes = (long)Recording.MaxSamples * 8 + (1 << 20);

    private static void ReadElements(byte[] b, int start, int end, bool little, string path, Dictionary<string, double[]> result)
    {
        int at = start;
        while (at + 8 <= end)
        {
            (int type, int size, int dataAt, int next) = Tag(b, at, end, little, path);
            if (type == MiCompressed)
            {
                byte[] inflated;
                try
                {
                    using var z = new ZLibStream(new MemoryStream(b, dataAt, size), CompressionMode.Decompress);
                    using var output = new MemoryStream();
                    byte[] chunk = new byte[1 << 16];
                    for (int n; (n = z.Read(chunk)) > 0;)
                    {
                        if (output.Length + n > MaxInflatedBytes)
                        {
                            throw new UserError($"{path}: a compressed variable inflates beyond {MaxInflatedBytes >> 20} MiB; a recording channel holds at most {Recording.MaxSamples:N0} samples");
                        }

                        output.Write(chunk, 0, n);
                    }

                    inflated = output.ToArray();
                }
                catch (InvalidDataException e)
                {
                    throw new UserError($"{path}: a compressed element at byte {at} is corrupt ({e.Message})", e);
                }

                ReadElements(inflated, 0, inflated.Length, little, path, result);
            }
            else if (type == MiMatrix && size > 0)
            {
                ReadMatrix(b, dataAt, dataAt + size, little, path, result);
            }

            at = next;
        }
    }

    private static void ReadMatrix(byte[] b, int at, int end, bool little, string path, Dictionary<string, double[]> result)
    {
        (int flagsType, _, int flagsAt, int next) = Tag(b, at, end, little, path);
        if (flagsType != MiUint32)
        {
            return;
        }

        uint flags = U32(b, flagsAt, little);
        int arrayClass = (int)(flags & 0xFF);
        bool complex = (flags & 0x0800) != 0;
        (_, int dimsSize, int dimsAt, next) = Tag(b, next, end, little, path);
        long product = 1;
        for (int d = 0; d < dimsSize / 4 && product <= Recording.MaxSamples; d++) { product *= Math.Max(0, I32(b, dimsAt + 4 * d, little)); }
        if (product > Recording.MaxSamples)
        {
            throw new UserError($"{path}: a variable at byte {at} claims more than {Recording.MaxSamples:N0} elements");
        }

        int elements = (int)product;
        (_, int nameSize, int nameAt, next) = Tag(b, next, end, little, path);
        string name = Encoding.ASCII.GetString(b, nameAt, nameSize);
        // Numeric classes 6 (double) … 15 (uint64); skip cells, structs, chars, sparse and complex data.
        if (arrayClass < 6 || arrayClass > 15 || complex || next + 8 > end)
        {
            return;
        }

        (int type, int size, int dataAt, _) = Tag(b, next, end, little, path);
        int width = type switch { MiInt8 or MiUint8 => 1, MiInt16 or MiUint16 => 2, MiInt32 or MiUint32 or MiSingle => 4, MiDouble or MiInt64 or MiUint64 => 8, _ => 0 };
        if (width == 0 || size / width != elements)
        {
            throw new UserError($"{path}: variable {name} holds {size} bytes of type {type} for {elements} elements");
        }

        var values = new double[elements];
        for (int i = 0; i < elements; i++)
        {
            int p = dataAt + i * width;
            values[i] = type switch
            {
                MiInt8 => (sbyte)b[p],
                MiUint8 => b[p],
                MiInt16 => little ? BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(p)),
                MiUint16 => little ? BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(p)),
                MiInt32 => I32(b, p, little),
                MiUint32 => U32(b, p, little),
                MiSingle => little ? BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(p)),
                MiDouble => little ? BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadDoubleBigEndian(b.AsSpan(p)),
                MiInt64 => little ? BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadInt64BigEndian(b.AsSpan(p)),
                _ => little ? BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(p)) : BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(p)),
            };
            if (!double.IsFinite(values[i]))
            {
                throw new UserError($"{path}: variable {name}, element {i + 1} is not finite");
            }
        }

        result[name] = values;
    }

    /// <summary>A data element tag, long or small (size in the upper half-word, data in the tag's second word).</summary>
    private static (int Type, int Size, int DataAt, int Next) Tag(byte[] b, int at, int end, bool little, string path)
    {
        if (at + 8 > end)
        {
            throw new UserError($"{path}: truncated at byte {at} (a data element tag needs 8 bytes)");
        }

        uint first = U32(b, at, little);
        if ((first >> 16) != 0)
        {
            // Small data element: type and size (at most 4 bytes) in the first word, the data in the second.
            if ((first >> 16) > 4)
            {
                throw new UserError($"{path}: corrupt: a small data element at byte {at} claims {first >> 16} bytes (at most 4)");
            }

            return ((int)(first & 0xFFFF), (int)(first >> 16), at + 4, at + 8);
        }

        int size = I32(b, at + 4, little);
        if (size < 0 || (long)at + 8 + size > end)
        {
            throw new UserError($"{path}: truncated or corrupt: an element at byte {at} claims {size} bytes");
        }

        // Elements are padded to 8 bytes, except compressed ones, which the next element follows directly.
        int padded = first == MiCompressed ? size : (size + 7) & ~7;
        return ((int)first, size, at + 8, (int)Math.Min((long)at + 8 + padded, end));
    }

    private static uint U32(byte[] b, int at, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at));

    private static int I32(byte[] b, int at, bool little) => (int)U32(b, at, little);
}
