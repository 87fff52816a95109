using System.Buffers.Binary;
using System.Text;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads Igor Pro binary waves (.ibw), version 5: a 64-byte BinHeader5, a 320-byte WaveHeader5, then
/// the data, written from WaveMetrics' Technical Note 003 layout. Byte order is detected from the
/// version field (Igor writes the creating machine's order); the header checksum (the 16-bit sum of the
/// 384 header bytes is zero) is verified. One-dimensional real waves of int8/16/32 (signed or not),
/// float32 or float64 become one channel named after the wave, converted to mV or nA; the sampling
/// period is sfA[0] in the x units (seconds when none are given).
/// </summary>
public static class IgorBinaryWaveReader
{
    private const int BinHeader5Size = 64, WaveHeader5Size = 320, HeaderSize = BinHeader5Size + WaveHeader5Size;

    public static Recording Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new UserError($"{path}: file not found");
        }

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
        if (version != 5)
        {
            throw new UserError($"{source}: Igor binary wave version {version}; this reader supports version 5");
        }

        if (b.Length < HeaderSize)
        {
            throw new UserError($"{source}: {b.Length} bytes, truncated inside the {HeaderSize}-byte header");
        }

        int sum = 0;
        for (int i = 0; i < HeaderSize; i += 2)
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

        const int w = BinHeader5Size;
        int npnts = I32(w + 12);
        short type = I16(w + 16);
        string name = Text(w + 28, 32);
        int dims1 = I32(w + 72);
        double dx = F64(w + 84);
        string dataUnits = Text(w + 148, 4);
        string xUnits = Text(w + 152, 4);
        int dataEUnitsSize = I32(16);
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

        if (HeaderSize + (long)npnts * size > b.Length)
        {
            throw new UserError($"{source}: truncated: {npnts} points of {size} bytes need {HeaderSize + (long)npnts * size} bytes, the file has {b.Length}");
        }

        var conversion = Units.ToCanonical(dataUnits);
        double factor = conversion?.Factor ?? 1;
        string unit = conversion?.Canonical ?? dataUnits;
        bool unsigned = (type & 0x40) != 0;
        float[] data = new float[npnts];
        for (int i = 0; i < npnts; i++)
        {
            int at = HeaderSize + i * size;
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
