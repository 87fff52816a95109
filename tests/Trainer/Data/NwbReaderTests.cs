using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Data;

/// <summary>
/// NWB 2.x current clamp through the HDF5 C library (Debian's libhdf5-103-1, installed by .ci/run). The
/// files are written here with the same library in the layout pynwb produces (groups with
/// neurodata_type attributes, data with unit/conversion/offset, starting_time with a rate or
/// timestamps, sweep_number): no NWB file is in the shared data.
/// </summary>
public sealed class NwbReaderTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-nwb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static float[] Voltage(int sweep, int n) => Enumerable.Range(0, n).Select(k => (float)((-65 + 10 * Math.Sin((k + 100 * sweep) / 50.0)) * 1e-3)).ToArray();

    private static double[] CurrentPa(int sweep, int n) => Enumerable.Range(0, n).Select(k => k > n / 4 && k < 3 * n / 4 ? 50.0 * (sweep + 1) : 0).ToArray();

    /// <summary>Writes an NWB-shaped file: sweeps of V (volts, float32) and I (pA stored, conversion 1e-12 to amperes).</summary>
    private string Write(string name, int sweeps, int n, bool timestamps = false, bool variableStrings = true, string voltageUnit = "volts",
        bool stimulus = true, bool nwb = true, bool sweepNumbers = true) =>
        WriteFile(Path.Combine(_dir, name), sweeps, n, timestamps, variableStrings, voltageUnit, stimulus, nwb, sweepNumbers);

    /// <summary>Writes an NWB-shaped file at <paramref name="path"/> (see <see cref="Write"/>).</summary>
    internal static string WriteFile(string path, int sweeps, int n, bool timestamps = false, bool variableStrings = true, string voltageUnit = "volts",
        bool stimulus = true, bool nwb = true, bool sweepNumbers = true)
    {
        lock (Hdf5.Gate)
        {
            return WriteLocked(path, sweeps, n, timestamps, variableStrings, voltageUnit, stimulus, nwb, sweepNumbers);
        }
    }

    private static string WriteLocked(string path, int sweeps, int n, bool timestamps, bool variableStrings, string voltageUnit,
        bool stimulus, bool nwb, bool sweepNumbers)
    {
        using Hdf5.Handle file = Hdf5.CreateFile(path);
        if (nwb)
        {
            Hdf5.WriteStringAttribute(file.Id, "nwb_version", "2.5.0", variableStrings);
            Hdf5.WriteStringAttribute(file.Id, "neurodata_type", "NWBFile", variableStrings);
        }

        using Hdf5.Handle acquisition = Hdf5.CreateGroup(file.Id, "acquisition");
        using Hdf5.Handle stimulusRoot = Hdf5.CreateGroup(file.Id, "stimulus");
        using Hdf5.Handle presentation = Hdf5.CreateGroup(stimulusRoot.Id, "presentation");
        for (int s = 0; s < sweeps; s++)
        {
            using (Hdf5.Handle series = Hdf5.CreateGroup(acquisition.Id, $"CurrentClampSeries{s:000}"))
            {
                Series(series.Id, "CurrentClampSeries", s, voltageUnit, 1.0, Voltage(s, n), Hdf5.NativeFloat);
            }

            if (stimulus)
            {
                using Hdf5.Handle series = Hdf5.CreateGroup(presentation.Id, $"CurrentClampStimulusSeries{s:000}");
                Series(series.Id, "CurrentClampStimulusSeries", s, "amperes", 1e-12, CurrentPa(s, n), Hdf5.NativeDouble);
            }
        }

        return path;

        void Series(long group, string type, int sweep, string unit, double conversion, Array values, long dataType)
        {
            Hdf5.WriteStringAttribute(group, "neurodata_type", type, variableStrings);
            Hdf5.WriteStringAttribute(group, "namespace", "core", variableStrings);
            if (sweepNumbers)
            {
                Hdf5.WriteNumberAttribute(group, "sweep_number", Hdf5.NativeUInt32, sweep);
            }

            Hdf5.WriteDataset(group, "data", dataType, dataType, values, [(ulong)values.Length]);
            using (Hdf5.Handle data = Hdf5.OpenDataset(group, "data"))
            {
                Hdf5.WriteStringAttribute(data.Id, "unit", unit, variableStrings);
                Hdf5.WriteNumberAttribute(data.Id, "conversion", Hdf5.NativeFloat, conversion);
                Hdf5.WriteNumberAttribute(data.Id, "offset", Hdf5.NativeFloat, 0);
            }

            if (timestamps)
            {
                double[] t = Enumerable.Range(0, values.Length).Select(k => 5.0 + k / 20000.0).ToArray();
                Hdf5.WriteDataset(group, "timestamps", Hdf5.NativeDouble, Hdf5.NativeDouble, t, [(ulong)t.Length]);
            }
            else
            {
                Hdf5.WriteDataset(group, "starting_time", Hdf5.NativeDouble, Hdf5.NativeDouble, new[] { 5.0 }, []);
                using Hdf5.Handle start = Hdf5.OpenDataset(group, "starting_time");
                Hdf5.WriteNumberAttribute(start.Id, "rate", Hdf5.NativeFloat, 20000);
            }
        }
    }

    [SkippableTheory]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void CurrentClampSweepsImportWithRateUnitsAndStimulus(bool timestamps, bool variableStrings)
    {
        Skip.IfNot(Hdf5.Available, "the HDF5 C library is not installed (.ci/run installs libhdf5-103-1)");
        string path = Write("cell.nwb", sweeps: 3, n: 2000, timestamps, variableStrings);
        Recording r = RecordingFormats.Open(path);
        output.WriteLine($"{RecordingFormats.Detect(path)}: {r.Channels.Count} channels, {r.Sweeps} sweeps, dt {r.DtMs} ms, V [{r.Get("V").Samples.Min()}, {r.Get("V").Samples.Max()}] mV");
        Assert.Equal("HDF5", RecordingFormats.Detect(path));
        Assert.Equal(0.05, r.DtMs, 9);
        Assert.Equal(3, r.Sweeps);
        Assert.Equal(6000, r.Length);
        Assert.Equal(Voltage(1, 2000)[700] * 1000, r.Get("V").Samples[2700], 3);   // volts → mV
        Assert.Equal(0.1, r.Get("I").Samples[2000 + 1000], 6);                  // 100 pA → 0.1 nA
        Dataset d = Dataset.FromRecording(r);
        Assert.Single(d.Neurons);
    }

    [SkippableFact]
    public void BrokenOrForeignFilesGiveOneClearError()
    {
        Skip.IfNot(Hdf5.Available, "the HDF5 C library is not installed (.ci/run installs libhdf5-103-1)");
        string good = Write("good.nwb", 2, 500);
        byte[] bytes = File.ReadAllBytes(good);
        string cut = Path.Combine(_dir, "cut.nwb");
        File.WriteAllBytes(cut, bytes[..(bytes.Length / 2)]);
        foreach ((string path, string expected) in new[]
        {
            (cut, "not a readable HDF5"),
            (Write("plain.h5", 1, 100, nwb: false), "not an NWB 2.x file"),
            (Write("nostim.nwb", 2, 100, stimulus: false), "no CurrentClampStimulusSeries"),
            (Write("amps.nwb", 1, 100, voltageUnit: "amperes"), "expected 'volts'"),
        })
        {
            var error = Assert.Throws<UserError>(() => RecordingFormats.Open(path));
            output.WriteLine(error.Message);
            Assert.Contains(expected, error.Message);
        }
    }
}
