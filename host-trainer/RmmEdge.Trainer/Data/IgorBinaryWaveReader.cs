using System.Buffers.Binary;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads Igor Pro binary waves (.ibw), versions 2 and 5, written from WaveMetrics' Technical Note 003
/// layout: version 5 is a 64-byte BinHeader5 and a 320-byte WaveHeader5 before the data; version 2
/// (Igor 1.x–2.x, still written by older acquisition setups) a 16-byte BinHeader2 and a 110-byte
/// WaveHeader2. Byte order is detected from the version field (Igor writes the creating machine's
/// order); the header checksum (the 16-bit sum of the header bytes is zero) is verified. One-dimensional real waves of int8/16/32 (signed or not),
/// float32 or float64 become one channel named after the wave, converted to mV or nA; the sampling
/// period is sfA[0] in the x units (seconds when none are given).
/// </summary>
public static class IgorBinaryWaveReader
{
    private const int BinHeader5Size = 64, WaveHeader5Size = 320, HeaderSize = BinHeader5Size + WaveHeader5Size;
    private const int BinHeader2Size = 16, WaveHeader2Size = 110, Header2Size = BinHeader2Size + WaveHeader2Size;

    public static Recording Read(string path)
    {
        UserFiles.RequireInput(path);

        return Read(File.ReadAllBytes(path), path);
    }

    public static Recording Read(byte[] b, string source)
    {
        if (b.Length < 2)
        {
            throw new UserError($"{source}: {b.Length} bytes, too short for an Igor binary wave");
        }

        // Igor wrote versions 1, 2, 3 and 5; the byte order is the one in which the field makes sense.
        bool little = BinaryPrimitives.ReadInt16LittleEndian(b) is >= 1 and <= 5;
        bool big = BinaryPrimitives.ReadInt16BigEndian(b) is >= 1 and <= 5;
        if (!little && !big)
        {
            throw new UserError($"{source}: not an Igor binary wave (the version field is not 1–5 in either byte order)");
        }

        short version = little ? BinaryPrimitives.ReadInt16LittleEndian(b) : BinaryPrimitives.ReadInt16BigEndian(b);
        if (version is not (2 or 5))
        {
            throw new UserError($"{source}: Igor binary wave version {version}; this reader supports versions 2 and 5");
        }

        int headerSize = version == 5 ? HeaderSize : Header2Size;
        if (b.Length < headerSize)
        {
            throw new UserError($"{source}: {b.Length} bytes, truncated inside the {headerSize}-byte header");
        }

        int sum = 0;
        for (int i = 0; i < headerSize; i += 2)
        {
            sum += little ? BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(i)) : BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(i));
        }

        if ((sum & 0xFFFF) != 0)
        {
            throw new UserError($"{source}: header checksum fails (corrupted file?)");
        }

        int I32(int at) => little ? BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadInt32BigEndian(b.AsSpan(at));
        short I16(int at) => little ? BinaryPrimitives.ReadInt16LittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadInt16BigEndian(b.AsSpan(at));
        double F64(int at) => little ? BinaryPrimitives.ReadDoubleLittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadDoubleBigEndian(b.AsSpan(at));
        string Text(int at, int length) => Encoding.ASCII.GetString(b, at, length).Split('\0')[0].Trim();

        int npnts, dims1;
        short type;
        string name, dataUnits, xUnits;
        double dx;
        if (version == 2)
        {
            const int w2 = BinHeader2Size;
            type = I16(w2);
            name = Text(w2 + 6, 20);
            dataUnits = Text(w2 + 36, 4);
            xUnits = Text(w2 + 40, 4);
            npnts = I32(w2 + 44);
            dx = F64(w2 + 50);
            dims1 = 0;   // version 2 waves are one-dimensional
        }
        else
        {
            const int w = BinHeader5Size;
            npnts = I32(w + 12);
            type = I16(w + 16);
            name = Text(w + 28, 32);
            dims1 = I32(w + 72);
            dx = F64(w + 84);
            dataUnits = Text(w + 148, 4);
            xUnits = Text(w + 152, 4);
        }

        int dataEUnitsSize = version == 5 ? I32(16) : 0;
        if (dataEUnitsSize > 0)
        {
            int at = HeaderSize + I32(4) - WaveHeader5Size + I32(8) + I32(12);   // after data, formula and note
            if (at >= HeaderSize && at + dataEUnitsSize <= b.Length)
            {
                dataUnits = Encoding.ASCII.GetString(b, at, dataEUnitsSize).Trim('\0', ' ');
            }
        }

        if (dims1 > 0)
        {
            throw new UserError($"{source}: wave {name} has more than one dimension; expected a single trace");
        }

        if ((type & 1) != 0)
        {
            throw new UserError($"{source}: wave {name} is complex; expected a real trace");
        }

        int size = (type & ~0x40) switch { 2 => 4, 4 => 8, 8 => 1, 0x10 => 2, 0x20 => 4, _ => 0 };
        if (size == 0 || npnts < 2)
        {
            throw new UserError($"{source}: wave {name} has data type {type} and {npnts} points; expected a numeric trace of at least 2 points");
        }

        if (headerSize + (long)npnts * size > b.Length)
        {
            throw new UserError($"{source}: truncated: {npnts} points of {size} bytes need {headerSize + (long)npnts * size} bytes, the file has {b.Length}");
        }

        var conversion = Units.ToCanonical(dataUnits);
        double factor = conversion?.Factor ?? 1;
        string unit = conversion?.Canonical ?? dataUnits;
        bool unsigned = (type & 0x40) != 0;
        float[] data = new float[npnts];
        for (int i = 0; i < npnts; i++)
        {
            int at = headerSize + i * size;
            double v = (type & ~0x40) switch
            {
                2 => little ? BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(at)) : BinaryPrimitives.ReadSingleBigEndian(b.AsSpan(at)),
                4 => F64(at),
                8 => unsigned ? b[at] : (sbyte)b[at],
                0x10 => unsigned ? (ushort)I16(at) : I16(at),
                _ => unsigned ? (uint)I32(at) : I32(at),
            };
            if (!double.IsFinite(v))
            {
                throw new UserError($"{source}: point {i} of wave {name} is not finite");
            }

            data[i] = (float)(v * factor);
        }

        var time = Units.ToCanonical(xUnits.Length == 0 ? "s" : xUnits);
        if (time is not { Canonical: "ms" } t || !(dx > 0))
        {
            throw new UserError($"{source}: sampling interval {dx} {xUnits} is not a positive time");
        }

        return new Recording(source, dx * t.Factor, [new Channel(name, unit, data)]);
    }
}
