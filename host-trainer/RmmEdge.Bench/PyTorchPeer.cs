using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Runs the PyTorch peer (Peers/pytorch_peer.py) on the bench's own job, in the same run, where a Python with
/// torch is found (Debian: python3-torch; RMM_PEER_PYTHON names another interpreter). The job is written to a
/// temporary directory: the training samples' voltage and current, the measured voltage's filter states, the
/// bank's matrices and the settings both trainers share (mini-batch, input noise, shots). Prints the peer's
/// samples·epochs per second from its median epoch and our rate against it, or why there is no peer.
/// </summary>
public static class PyTorchPeer
{
    public static void Compare(string mode, Network network, Dataset data, int start, int samples, int epochs, double oursPerSecond, TextWriter output)
    {
        string? python = FindPython(out string why);
        if (python is null)
        {
            output.WriteLine($"PyTorch peer: not run ({why})");
            return;
        }

        string script = Path.Combine(AppContext.BaseDirectory, "Peers", "pytorch_peer.py");
        string directory = Directory.CreateTempSubdirectory("rmm-peer-").FullName;
        try
        {
            WriteJob(directory, network, data, start, samples);
            var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { script, directory, mode, epochs.ToString(CultureInfo.InvariantCulture), Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture) })
            {
                info.ArgumentList.Add(a);
            }

            using Process process = Process.Start(info)!;
            Task<string> error = process.StandardError.ReadToEndAsync();
            string text = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string line = text.Split('\n').FirstOrDefault(l => l.StartsWith("peer: ", StringComparison.Ordinal)) ?? "";
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (process.ExitCode != 0 || f.Length != 7)
            {
                output.WriteLine($"PyTorch peer: failed (exit {process.ExitCode}): {error.Result.Trim().Split('\n').LastOrDefault()}");
                return;
            }

            double median = double.Parse(f[3], CultureInfo.InvariantCulture);
            double rate = int.Parse(f[2], CultureInfo.InvariantCulture) / median;
            output.WriteLine($"peer, measured in this run: PyTorch {f[6]} on {f[5]} threads, the same job ({epochs} epochs, median epoch " +
                $"{median:0.000} s): {rate / 1e6:0.000} M samples*epochs/s -> ours {oursPerSecond / rate:0.0}x");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string? FindPython(out string why)
    {
        string? named = Environment.GetEnvironmentVariable("RMM_PEER_PYTHON");
        string[] candidates = named is { Length: > 0 } ? [named] : ["python3", "/usr/bin/python3"];
        foreach (string candidate in candidates)
        {
            try
            {
                var info = new ProcessStartInfo(candidate, ["-c", "import torch"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using Process process = Process.Start(info)!;
                process.StandardOutput.ReadToEnd();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode == 0)
                {
                    why = "";
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // not installed under that name: try the next
            }
        }

        why = $"no Python with torch among {string.Join(", ", candidates)}; apt-get install python3-torch, or set RMM_PEER_PYTHON";
        return null;
    }

    private static void WriteJob(string directory, Network network, Dataset data, int start, int samples)
    {
        FilterBank bank = network.Currents[0].Bank;
        int n = bank.Size;
        float[] v = data.Neurons[0].V.AsSpan(start, samples + 1).ToArray();
        float[] i = data.Neurons[0].I.AsSpan(start, samples + 1).ToArray();
        float[] all = new float[data.Length * n];
        bank.Run(data.Neurons[0].V, all);
        float[] x = all.AsSpan(start * n, (samples + 1) * n).ToArray();

        // The bank is linear: column j of A is one step from the unit state e_j with no input, B one step from 0 with input 1.
        float[][] a = Enumerable.Range(0, n).Select(_ => new float[n]).ToArray();
        for (int j = 0; j < n; j++)
        {
            var column = new float[n];
            column[j] = 1f;
            bank.Step(column, 0f);
            for (int r = 0; r < n; r++) { a[r][j] = column[r]; }
        }

        var b = new float[n];
        bank.Step(b, 1f);

        // Each input's range over the training samples (the voltage, then the states), for the peer's scaling to [-1, 1].
        var low = new float[n + 1];
        var high = new float[n + 1];
        Array.Fill(low, float.MaxValue);
        Array.Fill(high, float.MinValue);
        for (int k = 0; k <= samples; k++)
        {
            for (int c = 0; c <= n; c++)
            {
                float value = c == 0 ? v[k] : x[k * n + c - 1];
                low[c] = Math.Min(low[c], value);
                high[c] = Math.Max(high[c], value);
            }
        }

        var tf = new TeacherForcingOptions();
        var ms = new MultipleShootingOptions();
        var job = new Dictionary<string, object>
        {
            ["samples"] = samples, ["states"] = n, ["dtMs"] = data.DtMs,
            ["hidden"] = network.Spec.Neurons[0].Currents![0].Mlp.Hidden!,
            ["batchSize"] = tf.BatchSize, ["inputNoise"] = tf.InputNoise,
            ["shotLength"] = ms.ShotLength, ["shotsPerBatch"] = ms.ShotsPerBatch, ["continuityV"] = ms.ContinuityV, ["continuityX"] = ms.ContinuityX,
            ["bankA"] = a, ["bankB"] = b, ["dcGains"] = Enumerable.Range(0, n).Select(bank.DcGain).ToArray(),
            ["inputLow"] = low, ["inputHigh"] = high,
        };
        File.WriteAllText(Path.Combine(directory, "job.json"), JsonSerializer.Serialize(job));
        WriteFloats(Path.Combine(directory, "v.f32"), v);
        WriteFloats(Path.Combine(directory, "i.f32"), i);
        WriteFloats(Path.Combine(directory, "x.f32"), x);
    }

    private static void WriteFloats(string path, float[] values)
    {
        using var stream = File.Create(path);
        using var writer = new BinaryWriter(stream);
        foreach (float value in values)
        {
            writer.Write(value);
        }
    }
}
