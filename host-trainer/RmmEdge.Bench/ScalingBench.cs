using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Cost against work for teacher forcing: record length (60, 600, 3600 s at 10 kHz) against time per
/// epoch and peak memory, and hidden width (10, 32, 64) against time per epoch and GFLOP/s. Each point
/// runs in a child process of its own, so that its peak resident memory (VmHWM) is its own. Records
/// longer than the 60 s simulated are that record repeated end to end, as one segment: the work and
/// the memory are those of a real record of that length, the fit is not a result.
/// </summary>
public static class ScalingBench
{
    public static void Run(int epochs, TextWriter output)
    {
        (double peak, string how) = MachinePeak.Measure();
        output.WriteLine($"machine fp32 peak, measured: {peak:0.0} GFLOP/s ({how})");
        output.WriteLine("| record | hidden | inputs | training samples | epochs | s per epoch (median) | M samples*epochs/s | GFLOP/s | % of peak | peak memory | bytes per sample |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        // The default rule (stored rows up to TeacherForcingOptions.StreamAboveMb), and streamed rows forced
        // (limit 0) at the lengths that store them, to price streaming against storing in the same run.
        foreach ((int seconds, int width, int? streamAboveMb) in new (int, int, int?)[] { (60, 10, null), (60, 10, 0), (600, 10, null), (600, 10, 0), (3600, 10, null), (60, 32, null), (60, 64, null) })
        {
            output.WriteLine(RunChild(seconds, width, streamAboveMb, seconds > 600 ? Math.Min(epochs, 3) : epochs, peak));
        }
    }

    private static string RunChild(int seconds, int width, int? streamAboveMb, int epochs, double peak)
    {
        string self = typeof(ScalingBench).Assembly.Location;
        var arguments = new List<string> { self, "scaling-one", "--seconds", $"{seconds}", "--width", $"{width}", "--epochs", $"{epochs}", "--peak", peak.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) };
        if (streamAboveMb is int limit) { arguments.AddRange(["--stream-above-mb", $"{limit}"]); }
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            RedirectStandardOutput = true,
        };
        using Process child = Process.Start(start) ?? throw new InvalidOperationException("could not start the bench's child process");
        string line = child.StandardOutput.ReadToEnd().Trim().Split('\n')[^1];
        child.WaitForExit();
        return child.ExitCode == 0 ? line : $"| {seconds} s | {width} | failed (exit {child.ExitCode}) |";
    }

    /// <summary>One point, in this process: prints one table row.</summary>
    public static void RunOne(int seconds, int width, int? streamAboveMb, int epochs, double peak, TextWriter output)
    {
        var spec = NetworkSpec.SingleNeuron(0.1, hidden: [width, width, width]);
        Dataset data = Record(seconds);
        var network = new Network(spec, seed: 1);
        var options = new TeacherForcingOptions { Epochs = epochs, ValidateEvery = 0, ValidationFraction = 0.01 };
        if (streamAboveMb is int limit) { options = options with { StreamAboveMb = limit }; }
        var trainer = new TeacherForcingTrainer(network, data, options);
        TrainingResult result = trainer.Train();
        double median = result.MedianEpochSeconds();
        double flops = MacsPerSample(network) * 2.0 * trainer.TrainingSamples / median / 1e9;
        long peakBytes = PeakResidentBytes();
        output.WriteLine($"| {seconds} s | {width} | {(trainer.Streamed ? "streamed" : "stored")} | {trainer.TrainingSamples:N0} | {epochs} | {median:0.000} | {trainer.TrainingSamples / median / 1e6:0.00} | " +
            $"{flops:0.0} | {100 * flops / peak:0} % | {peakBytes / 1e9:0.00} GB | {peakBytes / (double)data.Length:0} |");
    }

    /// <summary>Multiply–adds per sample: forward and weight gradients of every layer, input gradients of all but the first.</summary>
    public static long MacsPerSample(Network network) =>
        network.Models.SelectMany(m => m.Currents).SelectMany(c => c.Mlps).Sum(mlp =>
            mlp.Layers.Select((l, i) => (long)l.In * l.Out * (i == 0 ? 2 : 3)).Sum());

    private static Dataset Record(int seconds)
    {
        const double dt = 0.1;
        int oneMinute = (int)(60_000 / dt);
        Circuit circuit = Circuit.SingleStg();
        circuit.Advance(2000, [0.0]);
        Dataset minute = circuit.Record([StimulusSpec.SingleNeuron.Generate(oneMinute, dt, 1)], dt, "bench");
        int length = (int)(seconds * 1000 / dt);
        float[] v = new float[length], i = new float[length];
        for (int k = 0; k < length; k += oneMinute)
        {
            int n = Math.Min(oneMinute, length - k);
            minute.Neurons[0].V.AsSpan(0, n).CopyTo(v.AsSpan(k));
            minute.Neurons[0].I.AsSpan(0, n).CopyTo(i.AsSpan(k));
        }

        return new Dataset($"bench {seconds} s", dt, [new NeuronTrace(minute.Neurons[0].Name, v, i)]);
    }

    private static long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
