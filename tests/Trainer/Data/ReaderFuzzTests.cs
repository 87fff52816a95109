using System.IO.Compression;
using System.Text;
using RmmEdge.Rig;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>
/// Seeded mutation fuzzing of every reader a user's file reaches: CSV, TSV, gzip CSV, the headerless
/// text layouts, ABF1, ABF2, IBW v2 and v5, MAT level 5, NWB and the float model JSON. Each mutant (bit
/// flips, interesting integers, truncation, repeated and inserted runs, digits and separators for text)
/// must load or be refused with a <see cref="UserError"/>: any other exception is a crash, and there must
/// be none. A file that loads must hold finite values, a positive period and named units, and its
/// reading may not allocate more than <see cref="AllocationBound"/>. CI runs 1,500 mutants per reader
/// from a fixed seed; RMM_FUZZ_MUTANTS (and RMM_FUZZ_SEED, RMM_FUZZ_READERS=csv,abf1,...) ask for more on demand.
/// </summary>
public sealed class ReaderFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Most bytes the reading of one mutant may allocate (the seeds are a few kB to a few hundred kB).</summary>
    private const long AllocationBound = 64L << 20;

    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static int Mutants => int.TryParse(Environment.GetEnvironmentVariable("RMM_FUZZ_MUTANTS"), out int n) && n > 0 ? n : 1500;

    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("RMM_FUZZ_SEED"), out int s) ? s : 16;

    public static TheoryData<string> Readers() =>
        ["csv", "tsv", "csv.gz", "qsnmc", "bbp-asc", "efel", "abf1", "abf2", "ibw2", "ibw5", "mat", "nwb", "rmm.json"];

    [SkippableTheory]
    [MemberData(nameof(Readers))]
    public void EveryMutantLoadsCleanlyOrIsRefusedWithOneUserError(string reader)
    {
        string? only = Environment.GetEnvironmentVariable("RMM_FUZZ_READERS");
        Skip.If(only is not null && !only.Split(',').Contains(reader), $"RMM_FUZZ_READERS={only} leaves {reader} out");
        (byte[] seed, string extension, Func<string, object> load) = Subject(reader);
        Check(load(Write(extension, seed)));   // the seed itself loads
        var random = new Random(Seed ^ reader.GetHashCode(StringComparison.Ordinal) & 0x7fffffff);
        bool text = reader is "csv" or "tsv" or "qsnmc" or "bbp-asc" or "efel" or "rmm.json";
        // NWB goes through a helper process per file (the HDF5 library crashes its process on some
        // mutants, see NwbReader.OutOfProcess), about 0.1 s each: a tenth of the count.
        int mutants = reader == "nwb" ? Math.Max(50, Mutants / 10) : Mutants;
        int accepted = 0, refused = 0;
        var crashes = new List<string>();
        long largest = 0;
        for (int m = 0; m < mutants; m++)
        {
            byte[] mutant = reader == "csv.gz" && random.Next(2) == 0
                ? Gzip(Mutate(Gunzip(seed), random, text: true))   // well-formed gzip around a broken text
                : Mutate(seed, random, text);
            string path = Write(extension, mutant);
            if (Environment.GetEnvironmentVariable("RMM_FUZZ_KEEP") is string keep)
            {
                File.Copy(path, Path.Combine(keep, "last" + extension), overwrite: true);   // what a crash of the whole process was reading
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                object loaded = load(path);
                largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
                Check(loaded);
                accepted++;
            }
            catch (UserError)
            {
                largest = Math.Max(largest, GC.GetAllocatedBytesForCurrentThread() - before);
                refused++;
            }
            catch (Exception e)
            {
                string kept = Path.Combine(_dir, $"crash{crashes.Count}{extension}");
                File.Copy(path, kept, overwrite: true);
                crashes.Add($"mutant {m}: {e.GetType().Name}: {e.Message.Split('\n')[0]}\n{e.StackTrace?.Split('\n').FirstOrDefault()?.Trim()}");
            }
        }

        output.WriteLine($"{reader}: {mutants} mutants (seed {Seed}) of a {seed.Length:N0}-byte file: {accepted} loaded, {refused} refused, " +
            $"{crashes.Count} crashed; most allocated by one read {largest / 1024.0 / 1024:0.0} MB");
        foreach (string c in crashes.Take(5)) { output.WriteLine(c); }
        Assert.Empty(crashes);
        Assert.True(largest <= AllocationBound, $"one read allocated {largest:N0} bytes");
        Assert.True(refused > 0 && accepted + refused == mutants);
    }

    /// <summary>A loaded file holds finite values, a positive period, named units; a dataset from it is built or refused cleanly.</summary>
    private static void Check(object loaded)
    {
        if (loaded is Recording r)
        {
            Assert.True(r.DtMs > 0 && double.IsFinite(r.DtMs));
            foreach (Channel c in r.Channels)
            {
                Assert.False(string.IsNullOrEmpty(c.Unit), $"channel {c.Name} has no unit");
                int bad = Array.FindIndex(c.Samples, x => !float.IsFinite(x));
                Assert.True(bad < 0, $"channel {c.Name} holds {(bad < 0 ? 0 : c.Samples[bad])} at sample {bad}");
            }

            try
            {
                Dataset.FromRecording(r, allowMissingCurrent: true);
            }
            catch (UserError)
            {
                // no V channel, or implausible values: refused, which is what it is for
            }
        }
        else if (loaded is Network network)
        {
            Assert.All(network.Parameters, p => Assert.All(p.Value, x => Assert.True(float.IsFinite(x), $"{p.Name} holds {x}")));
        }
    }

    private string Write(string extension, byte[] bytes)
    {
        string path = Path.Combine(_dir, "mutant" + extension);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The seed file of a reader, the extension its files carry, and how the CLI opens it.</summary>
    private (byte[] Seed, string Extension, Func<string, object> Load) Subject(string reader)
    {
        static Func<string, object> Open(RecordingOptions? options = null) => path => RecordingFormats.Open(path, options);
        float[] v = Enumerable.Range(0, 400).Select(k => (float)(-65 + 30 * Math.Exp(-Math.Pow((k % 100 - 50) / 3.0, 2)))).ToArray();
        float[] iPa = Enumerable.Range(0, 400).Select(k => k is > 100 and < 300 ? 150f : 0f).ToArray();
        string Rows(string separator, Func<int, string> time) =>
            string.Concat(Enumerable.Range(0, v.Length).Select(k => $"{time(k)}{separator}{v[k]:0.###}{separator}{iPa[k] / 1000:0.####}\n"));
        switch (reader)
        {
            case "csv":
                return (Encoding.ASCII.GetBytes("t_s,V_mV,I_nA\n" + Rows(",", k => $"{k * 1e-4:0.0000}")), ".csv", Open());
            case "tsv":
                return (Encoding.ASCII.GetBytes("t_ms\tV_mV\tI_nA\n" + Rows("\t", k => $"{k * 0.1:0.0}")), ".tsv", Open());
            case "csv.gz":
                return (Gzip(Encoding.ASCII.GetBytes("t_s,V_mV,I_nA\n" + Rows(",", k => $"{k * 1e-4:0.0000}"))), ".csv.gz", Open());
            case "qsnmc":
                return (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, v.Length).Select(k => $"{k}.0 {iPa[k]:0.0} {v[k]:0.###}\n"))), ".voltage",
                    Open(new RecordingOptions(1.0, ColumnLayout.QsnmcChallengeA)));
            case "bbp-asc":
                return (Encoding.ASCII.GetBytes("\"s\"\n\"pA\"\n\"mV\"\n" + string.Concat(Enumerable.Range(0, v.Length).Select(k => $"{k * 0.00025:0.00000}\t{iPa[k]:0.0}\t{v[k]:0.###}\n"))),
                    ".asc", Open(new RecordingOptions(Layout: ColumnLayout.BlueBrainAsc)));
            case "efel":
                return (Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, v.Length).Select(k => $"{k * 0.1:0.0} {v[k] / 1000:0.000000} {iPa[k] * 1e-12:0.###e+00}\n"))),
                    ".txt", Open(new RecordingOptions(Layout: ColumnLayout.EfelTrace)));
            case "abf1":
                return (AbfReaderTests.Abf1File(3, 1, v, iPa), ".abf", Open());
            case "abf2":
                return (File.ReadAllBytes(SharedData.File("recordings/pyabf_cellA_171116sh/171116sh_0016.abf")), ".abf", Open());
            case "ibw2":
                return (IgorBinaryWaveReaderTests.Version2Wave(bigEndian: true, 2, "mV", 1e-4, v.Select(x => (double)x).ToArray()), ".ibw", Open());
            case "ibw5":
                return (File.ReadAllBytes(SharedData.File("recordings/bluepyefe_B6_IDRest/B6_Ch3_IDRest_181.ibw")), ".ibw", Open());
            case "mat":
                return (MatReaderTests.Header()
                    .Concat(MatReaderTests.Vector("V1", v.Select(x => (double)x).ToArray(), single: false))
                    .Concat(MatReaderTests.Compressed(MatReaderTests.Vector("I1", iPa.Select(x => x / 1000.0).ToArray(), single: true))).ToArray(), ".mat",
                    Open(new RecordingOptions(0.1)));
            case "nwb":
                Skip.IfNot(Hdf5.Available, "the HDF5 C library is not installed (.ci/run installs libhdf5-103-1)");
                RmmEdge.Cli.ReadNwbCommand.Install(TimeSpan.FromSeconds(3));   // mutants that make HDF5 loop forever cost 3 s, not 20
                return (File.ReadAllBytes(NwbReaderTests.WriteFile(Path.Combine(_dir, "seed.nwb"), sweeps: 2, n: 300)), ".nwb", Open());
            case "rmm.json":
                {
                    var network = new Network(NetworkSpec.SingleNeuron(0.1, hidden: [4], tauMs: [1, 10]), seed: 1);
                    string path = Path.Combine(_dir, "seed.rmm.json");
                    ModelFile.Save(network, path);
                    return (File.ReadAllBytes(path), ".rmm.json", p => ModelFile.Load(p));
                }

            default:
                throw new ArgumentException(reader);
        }
    }

    /// <summary>One to four mutations: bit flips, interesting integers, truncation, repeated or inserted runs; for text also digits and separators.</summary>
    private static byte[] Mutate(byte[] seed, Random random, bool text)
    {
        var b = new List<byte>(seed);
        int operations = 1 + random.Next(4);
        for (int o = 0; o < operations && b.Count > 0; o++)
        {
            // Binary formats: most mutations in the first 4 KiB, where the headers and tables are.
            int at = !text && random.Next(4) != 0 ? random.Next(Math.Min(b.Count, 4096)) : random.Next(b.Count);
            switch (random.Next(text ? 9 : 7))
            {
                case 0:
                    b[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    b[at] = (byte)random.Next(256);
                    break;
                case 2:
                    {
                        // An interesting 32-bit integer over four bytes (a count, a size, an offset).
                        int[] interesting = [0, -1, 1, int.MaxValue, int.MinValue, 0x7fff, 0x8000, 0xffff, 0x10000, 1 << 24, 1 << 30];
                        byte[] value = BitConverter.GetBytes(interesting[random.Next(interesting.Length)]);
                        for (int k = 0; k < 4 && at + k < b.Count; k++) { b[at + k] = random.Next(2) == 0 ? value[k] : value[3 - k]; }
                        break;
                    }

                case 3:
                    b.RemoveRange(at, b.Count - at);   // truncated
                    break;
                case 4:
                    {
                        int length = Math.Min(b.Count - at, 1 + random.Next(64));
                        b.InsertRange(at, b.GetRange(at, length));   // a run repeated
                        break;
                    }

                case 5:
                    b.RemoveRange(at, Math.Min(b.Count - at, 1 + random.Next(64)));
                    break;
                case 6:
                    b.InsertRange(at, Enumerable.Range(0, 1 + random.Next(16)).Select(_ => (byte)random.Next(256)));
                    break;
                case 7:
                    {
                        byte[] tokens = "0123456789-+.eE,\t \n\r\"_NaInfinity"u8.ToArray();
                        b[at] = tokens[random.Next(tokens.Length)];
                        break;
                    }

                default:
                    {
                        string[] words = ["1e308", "-1e308", "NaN", "Infinity", "99999999999", "-0", "", "\n", ",,", "\"", "null", "[]", "{}", "2147483648", "1e-320"];
                        b.InsertRange(at, Encoding.ASCII.GetBytes(words[random.Next(words.Length)]));
                        break;
                    }
            }
        }

        return b.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) { gz.Write(data); }
        return buffer.ToArray();
    }

    private static byte[] Gunzip(byte[] data)
    {
        using var gz = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gz.CopyTo(buffer);
        return buffer.ToArray();
    }
}
