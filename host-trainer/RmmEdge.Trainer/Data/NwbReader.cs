using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Reads the intracellular current-clamp part of NWB 2.x files (HDF5, through the HDF5 C library):
/// every group under /acquisition whose neurodata_type is CurrentClampSeries is a sweep of membrane
/// potential; its stimulus is the CurrentClampStimulusSeries under /stimulus/presentation with the same
/// sweep_number (or, lacking sweep numbers, in the same name order). Values are data × conversion +
/// offset in the series' SI unit (volts, amperes), converted to mV and nA; the rate comes from
/// starting_time's "rate" attribute, or from regular timestamps. Sweeps of equal length and rate are
/// concatenated as one recording with channels V and I.
/// </summary>
public static class NwbReader
{
    private sealed record Series(string Name, long? Sweep, float[] Values, double DtMs);

    /// <summary>
    /// Where NWB files are read when set: the HDF5 C library crashes the whole process on some damaged
    /// files (a segmentation fault on 1 of a few hundred mutants in ReaderFuzzTests), so the command
    /// line reads them in a helper process of its own and reports a crash there as a damaged file. Null:
    /// read in this process (<see cref="ReadHere"/>).
    /// </summary>
    public static Func<string, Recording>? OutOfProcess { get; set; }

    public static Recording Read(string path)
    {
        UserFiles.RequireInput(path);
        return OutOfProcess is { } isolated ? isolated(path) : ReadHere(path);
    }

    /// <summary>Reads an NWB file in this process (a damaged file can crash it: see <see cref="OutOfProcess"/>).</summary>
    public static Recording ReadHere(string path)
    {
        try
        {
            lock (Hdf5.Gate)
            {
                return ReadWithLibrary(path);
            }
        }
        catch (InvalidOperationException e)
        {
            throw new UserError($"{path}: not a readable NWB file ({e.Message})", e);
        }
    }

    private static Recording ReadWithLibrary(string path)
    {
        Hdf5.Require(path);
        using Hdf5.Handle file = Hdf5.OpenFile(path);
        if (!file.Valid)
        {
            throw new UserError($"{path}: not a readable HDF5 file (corrupted or truncated?)");
        }

        string? version = Hdf5.StringAttribute(file.Id, "nwb_version");
        if (version is null || !version.StartsWith('2'))
        {
            throw new UserError($"{path}: not an NWB 2.x file (nwb_version attribute is {(version is null ? "missing" : $"'{version}'")})");
        }

        List<Series> voltage = ReadSeries(file.Id, "acquisition", "CurrentClampSeries", "volts", 1e3, path);
        if (voltage.Count == 0)
        {
            throw new UserError($"{path}: no CurrentClampSeries under /acquisition (a voltage-clamp or extracellular file?)");
        }

        List<Series> current = ReadSeries(file.Id, "stimulus/presentation", "CurrentClampStimulusSeries", "amperes", 1e9, path);
        var v = new List<float>();
        var i = new List<float>();
        double dt = voltage[0].DtMs;
        int sweepLength = voltage[0].Values.Length;
        for (int s = 0; s < voltage.Count; s++)
        {
            Series sweep = voltage[s];
            Series? stimulus = sweep.Sweep is long n ? current.FirstOrDefault(c => c.Sweep == n) : s < current.Count ? current[s] : null;
            if (stimulus is null)
            {
                throw new UserError($"{path}: sweep {sweep.Name} has no CurrentClampStimulusSeries (sweep_number {sweep.Sweep?.ToString() ?? "none"})");
            }

            if (Math.Abs(sweep.DtMs - dt) > 1e-9 * dt || sweep.Values.Length != sweepLength)
            {
                throw new UserError($"{path}: sweep {sweep.Name} has {sweep.Values.Length} samples at {sweep.DtMs} ms, the first {sweepLength} at {dt} ms; sweeps must match to be combined");
            }

            if (stimulus.Values.Length != sweep.Values.Length || Math.Abs(stimulus.DtMs - dt) > 1e-9 * dt)
            {
                throw new UserError($"{path}: stimulus {stimulus.Name} has {stimulus.Values.Length} samples at {stimulus.DtMs} ms; its sweep {sweep.Name} has {sweep.Values.Length} at {dt} ms");
            }

            v.AddRange(sweep.Values);
            i.AddRange(stimulus.Values);
        }

        return new Recording(path, dt, [new Channel("V", "mV", v.ToArray()), new Channel("I", "nA", i.ToArray())], voltage.Count);
    }

    private static List<Series> ReadSeries(long file, string groupPath, string type, string siUnit, double toCanonical, string source)
    {
        var found = new List<Series>();
        using Hdf5.Handle group = Hdf5.OpenGroup(file, groupPath);
        if (!group.Valid)
        {
            return found;
        }

        foreach (string name in Hdf5.Members(group.Id))
        {
            using Hdf5.Handle series = Hdf5.OpenGroup(group.Id, name);
            if (!series.Valid || Hdf5.StringAttribute(series.Id, "neurodata_type") != type)
            {
                continue;
            }

            string where = $"/{groupPath}/{name}";
            using Hdf5.Handle data = Hdf5.OpenDataset(series.Id, "data");
            if (!data.Valid || Hdf5.DatasetClass(data.Id) is not (Hdf5.TypeInteger or Hdf5.TypeFloat))
            {
                throw new UserError($"{source}: {where} has no numeric 'data' dataset");
            }

            string unit = Hdf5.StringAttribute(data.Id, "unit") ?? "";
            if (!string.Equals(unit, siUnit, StringComparison.OrdinalIgnoreCase))
            {
                throw new UserError($"{source}: {where}/data is in '{unit}', expected '{siUnit}' for a {type}");
            }

            double conversion = Hdf5.NumberAttribute(data.Id, "conversion") ?? 1.0;
            double offset = Hdf5.NumberAttribute(data.Id, "offset") ?? 0.0;
            double[] raw = Hdf5.ReadNumbers(data.Id, out int rank);
            if (rank != 1 || raw.Length < 2)
            {
                throw new UserError($"{source}: {where}/data has rank {rank} and {raw.Length} values; expected one trace of at least 2 samples");
            }

            float[] values = new float[raw.Length];
            for (int k = 0; k < raw.Length; k++)
            {
                double x = (raw[k] * conversion + offset) * toCanonical;
                if (!double.IsFinite(x))
                {
                    throw new UserError($"{source}: {where}/data[{k}] is not finite");
                }

                values[k] = (float)x;
            }

            double? sweep = Hdf5.NumberAttribute(series.Id, "sweep_number");
            found.Add(new Series(name, sweep is double s ? (long)s : null, values, SamplingPeriodMs(series.Id, where, source)));
        }

        return found;
    }

    private static double SamplingPeriodMs(long series, string where, string source)
    {
        using (Hdf5.Handle start = Hdf5.OpenDataset(series, "starting_time"))
        {
            if (start.Valid && Hdf5.NumberAttribute(start.Id, "rate") is double rate)
            {
                return rate > 0 ? 1000.0 / rate : throw new UserError($"{source}: {where}/starting_time has rate {rate} Hz; expected a positive rate");
            }
        }

        using Hdf5.Handle stamps = Hdf5.OpenDataset(series, "timestamps");
        if (!stamps.Valid)
        {
            throw new UserError($"{source}: {where} has neither starting_time with a rate nor timestamps");
        }

        double[] t = Hdf5.ReadNumbers(stamps.Id, out _);
        double dt = t.Length > 1 ? t[1] - t[0] : 0;
        for (int k = 1; k < t.Length; k++)
        {
            if (!(dt > 0) || Math.Abs(t[k] - t[k - 1] - dt) > 1e-3 * dt)
            {
                throw new UserError($"{source}: {where}/timestamps are not evenly spaced (at sample {k}); expected a constant sampling period");
            }
        }

        return Math.Round(dt * 1000, 9);   // timestamps in seconds carry float noise: 0.04999999999988 ms is 0.05 ms
    }
}
