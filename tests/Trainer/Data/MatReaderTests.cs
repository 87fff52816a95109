using System.IO.Compression;
using System.Text;
using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using Xunit;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>
/// MAT level-5 files written here byte by byte after MathWorks' "MAT-File Format" description (no MAT
/// file is in ../shared/data): plain and zlib-compressed elements, double and single vectors, small
/// tags; the RMM authors' V1/I1/V2 layout; and the rejections.
/// </summary>
public sealed class MatReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-mat-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static byte[] Element(int type, byte[] data)
    {
        var e = new List<byte>();
        e.AddRange(BitConverter.GetBytes(type));
        e.AddRange(BitConverter.GetBytes(data.Length));
        e.AddRange(data);
        while (e.Count % 8 != 0) { e.Add(0); }
        return e.ToArray();
    }

    /// <summary>A column vector as miMATRIX: flags (class 6 double or 7 single), dims, name, real part.</summary>
    internal static byte[] Vector(string name, double[] values, bool single)
    {
        var m = new List<byte>();
        m.AddRange(Element(6, BitConverter.GetBytes((uint)(single ? 7 : 6)).Concat(new byte[4]).ToArray()));
        m.AddRange(Element(5, BitConverter.GetBytes(values.Length).Concat(BitConverter.GetBytes(1)).ToArray()));
        byte[] n = Encoding.ASCII.GetBytes(name);
        if (n.Length <= 4)
        {
            // Small data element: size in the upper half of the first word, data in the second.
            m.AddRange(BitConverter.GetBytes(1 | (n.Length << 16)));
            m.AddRange(n.Concat(new byte[4 - n.Length]));
        }
        else
        {
            m.AddRange(Element(1, n));
        }

        m.AddRange(single
            ? Element(7, values.SelectMany(v => BitConverter.GetBytes((float)v)).ToArray())
            : Element(9, values.SelectMany(BitConverter.GetBytes).ToArray()));
        return Element(14, m.ToArray());
    }

    internal static byte[] Compressed(byte[] element)
    {
        using var buffer = new MemoryStream();
        using (var z = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true)) { z.Write(element); }
        byte[] data = buffer.ToArray();
        return BitConverter.GetBytes(15).Concat(BitConverter.GetBytes(data.Length)).Concat(data).ToArray();
    }

    internal static byte[] Header()
    {
        byte[] h = new byte[128];
        Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by RmmEdge tests".PadRight(116)).CopyTo(h, 0);
        h[124] = 0x00; h[125] = 0x01; h[126] = (byte)'I'; h[127] = (byte)'M';
        return h;
    }

    private string Write(string name, params byte[][] elements)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, Header().Concat(elements.SelectMany(e => e)).ToArray());
        return path;
    }

    [Fact]
    public void TheAuthorsLayoutReadsPlainAndCompressedVectors()
    {
        double[] v1 = Enumerable.Range(0, 1000).Select(k => -60 + 10 * Math.Sin(k / 50.0)).ToArray();
        double[] i1 = Enumerable.Range(0, 1000).Select(k => 0.1 * (k % 7)).ToArray();
        double[] v2 = Enumerable.Range(0, 1000).Select(k => -50.0 + k % 3).ToArray();
        string path = Write("lp.mat", Vector("V1", v1, false), Compressed(Vector("I1", i1, false)), Compressed(Vector("V2", v2, true)),
            Vector("Temp", i1, false));
        Recording r = MatReader.ReadRmmLayout(path, dtMs: 0.1);
        Assert.Equal(0.1, r.DtMs);
        Assert.Equal((float)v1[123], r.Get("V1").Samples[123]);
        Assert.Equal((float)i1[999], r.Get("I1").Samples[999]);
        Assert.Equal((float)v2[500], r.Get("V2").Samples[500]);
        Assert.NotNull(r.Find("Temp"));
        Dataset d = Dataset.FromRecording(r, allowMissingCurrent: true);
        Assert.Equal(2, d.Neurons.Count);
        Assert.All(d.Neurons[1].I, x => Assert.Equal(0f, x));
    }

    [Fact]
    public void BadFilesGiveOneClearError()
    {
        string notMat = Path.Combine(_dir, "text.mat");
        File.WriteAllText(notMat, new string('x', 200));
        Assert.Contains("not a MATLAB level-5", Assert.Throws<UserError>(() => MatReader.ReadVectors(notMat)).Message);

        string full = Write("full.mat", Vector("V1", [1, 2, 3], false));
        string cut = Path.Combine(_dir, "cut.mat");
        File.WriteAllBytes(cut, File.ReadAllBytes(full)[..150]);
        Assert.Contains("truncated", Assert.Throws<UserError>(() => MatReader.ReadVectors(cut)).Message);

        string noV = Write("novars.mat", Vector("X", [1, 2, 3], false));
        Assert.Contains("no vectors V1", Assert.Throws<UserError>(() => MatReader.ReadRmmLayout(noV, 0.1)).Message);
        Assert.Contains("sampling period", Assert.Throws<UserError>(() => MatReader.ReadRmmLayout(full, 0)).Message);

        string mismatch = Write("mismatch.mat", Vector("V1", [1, 2, 3], false), Vector("I1", [1, 2], false));
        Assert.Contains("I1 has 2 samples", Assert.Throws<UserError>(() => MatReader.ReadRmmLayout(mismatch, 0.1)).Message);

        string hdf = Path.Combine(_dir, "v73.mat");
        byte[] h = new byte[1024];
        Encoding.ASCII.GetBytes("MATLAB 7.3 MAT-file").CopyTo(h, 0);
        Encoding.ASCII.GetBytes("\u0089HDF").CopyTo(h, 512);
        File.WriteAllBytes(hdf, h);
        Assert.Contains("-v7.3", Assert.Throws<UserError>(() => MatReader.ReadVectors(hdf)).Message);
    }
}
