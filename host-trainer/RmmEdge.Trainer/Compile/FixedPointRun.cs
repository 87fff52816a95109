using RmmEdge.Rig;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Compile;

/// <summary>Fixed point against float on held-out data (metrics.md, "Fixed point against float").</summary>
/// <param name="OneStepCurrentRmsNa">RMS over samples of the teacher-forced one-step difference in Σψ per modelled neuron (nA).</param>
/// <param name="OneStepCurrentMaxNa">Its maximum.</param>
/// <param name="OneStepVoltageMaxMv">Largest one-step difference in the next voltage (mV).</param>
/// <param name="Float">Free-run scores of the float model against the data.</param>
/// <param name="Fixed">Free-run scores of the fixed-point model against the data.</param>
/// <param name="FixedVsFloat">Free-run scores of the fixed-point model against the float model's free run.</param>
/// <param name="FixedRun">The fixed-point free run itself (for plots: a report need not run it again).</param>
/// <param name="PerturbedVsFloat">Free-run scores of the float model with every parameter × (1 + 2⁻¹⁵·N(0, 1)) against the
/// float model's free run: the model's own sensitivity at a 16-bit weight's rounding. Where this is as far as
/// <paramref name="FixedVsFloat"/>, the drift is the model's, not the kernel's.</param>
public sealed record FidelityReport(double OneStepCurrentRmsNa, double OneStepCurrentMaxNa, double OneStepVoltageMaxMv,
    NeuronScore[] Float, NeuronScore[] Fixed, NeuronScore[] FixedVsFloat, FreeRunResult FixedRun, NeuronScore[] PerturbedVsFloat)
{
    public override string ToString() => string.Join(Environment.NewLine,
        new[] { $"one-step: Σψ error RMS {OneStepCurrentRmsNa:G3} nA, max {OneStepCurrentMaxNa:G3} nA; next-voltage error max {OneStepVoltageMaxMv:G3} mV" }
            .Concat(Float.Select((f, i) => $"float vs data: {f}"))
            .Concat(Fixed.Select((f, i) => $"fixed vs data: {f}"))
            .Concat(FixedVsFloat.Select(f => $"fixed vs float: {f}"))
            .Concat(PerturbedVsFloat.Select(f => $"float with parameters × (1 + 2⁻¹⁵·N) vs float (the model's own sensitivity): {f}")));
}

/// <summary>Runs the reference integer kernel over a dataset, the way <see cref="FreeRun"/> runs the float model.</summary>
public static class FixedPointRun
{
    public static double ToMv(int q) => q / 65536.0;

    public static int FromMv(double v) => Quantizer.Q(v, FixedPoint.VoltageBits);

    /// <summary>
    /// Largest .rmmq file the host reads (16 MiB): the loader's own limits (16 neurons, 4,096 states,
    /// 256 layers of at most 4,096 inputs) bound a valid file far below it, and a board stores less.
    /// </summary>
    public const int MaxFileBytes = 16 << 20;

    /// <summary>A compiled model from memory; a file the loader rejects is a <see cref="UserError"/> naming <paramref name="source"/>.</summary>
    public static RmmqModel Load(byte[] file, string source = "compiled model")
    {
        ModelLoadResult result = RmmqReader.Load(file);
        return result.Ok ? result.Model : throw new UserError($"{source}: not a valid .rmmq model: {result}");
    }

    /// <summary>Reads and validates a compiled model file (at most <see cref="MaxFileBytes"/>).</summary>
    public static (byte[] Bytes, RmmqModel Model) ReadFile(string path)
    {
        byte[] bytes = UserFiles.ReadAllBytes(path, MaxFileBytes, "a compiled model (.rmmq)");
        return (bytes, Load(bytes, path));
    }

    /// <summary>Free run after a teacher-forced warm-up of <paramref name="warmup"/> samples (voltages overwritten by data).</summary>
    public static FreeRunResult Run(RmmqModel model, Dataset data, int warmup)
    {
        var kernel = new StepKernel(model);
        int n = model.NeuronCount;
        int[] injected = new int[n], measured = new int[n];
        for (int i = 0; i < n; i++) { measured[i] = FromMv(data.Neurons[i].V[0]); }
        kernel.Reset(measured);
        int length = data.Length - warmup;
        float[][] v = Enumerable.Range(0, n).Select(_ => new float[length]).ToArray();
        float[][] psi = Enumerable.Range(0, model.CurrentCount).Select(_ => new float[length]).ToArray();
        for (int k = 0; k < data.Length; k++)
        {
            for (int i = 0; i < n; i++)
            {
                injected[i] = Quantizer.Q(data.Neurons[i].I[k], FixedPoint.CurrentBits);
                measured[i] = FromMv(data.Neurons[i].V[k]);
                if (k < warmup)
                {
                    kernel.Voltages[i] = measured[i];    // teacher forcing: the model starts each step from the data
                }
            }

            if (k >= warmup)
            {
                for (int i = 0; i < n; i++) { v[i][k - warmup] = (float)ToMv(kernel.Voltages[i]); }
            }

            kernel.Step(injected, measured);
            if (k >= warmup)
            {
                for (int c = 0; c < psi.Length; c++) { psi[c][k - warmup] = (float)ToMv(kernel.CurrentValues[c]); }
            }
        }

        bool diverged = false;
        for (int i = 0; i < n; i++)
        {
            diverged |= !model.External[i] && v[i].Any(x => x <= NetworkRunner.VoltageFloor + 1e-3f || x >= NetworkRunner.VoltageCeiling - 1e-3f);
        }

        return new FreeRunResult(warmup, v, psi, diverged);
    }

    /// <summary>Compares fixed point and float on <paramref name="data"/> (one-step errors, then both free runs).</summary>
    /// <param name="progress">Receives the fraction done (0…1) of the four passes over the data.</param>
    public static FidelityReport Compare(Network network, RmmqModel model, Dataset data, int warmup, IProgress<double>? progress = null)
    {
        // One step from the same (measured) state: teacher-forced runs of both, side by side.
        var sim = new NetworkRunner(network);
        var kernel = new StepKernel(model);
        int n = network.NeuronCount;
        float[] current = new float[n], measured = new float[n];
        int[] injectedQ = new int[n], measuredQ = new int[n];
        for (int i = 0; i < n; i++)
        {
            measured[i] = data.Neurons[i].V[0];
            measuredQ[i] = FromMv(measured[i]);
        }

        sim.Reset(measured);
        kernel.Reset(measuredQ);
        double sq = 0, max = 0, vMax = 0;
        long count = 0;
        int every = Math.Max(1, data.Length / 100);
        for (int k = 0; k < data.Length; k++)
        {
            if (k % every == 0) { progress?.Report(k / 4.0 / data.Length); }
            for (int i = 0; i < n; i++)
            {
                current[i] = data.Neurons[i].I[k];
                measured[i] = data.Neurons[i].V[k];
                injectedQ[i] = Quantizer.Q(current[i], FixedPoint.CurrentBits);
                measuredQ[i] = FromMv(measured[i]);
                kernel.Voltages[i] = measuredQ[i];
            }

            sim.Step(current, measured, 1f);
            kernel.Step(injectedQ, measuredQ);
            if (k < warmup)
            {
                continue;
            }

            foreach (NeuronModel m in network.Models)
            {
                double floatSum = 0;
                for (int c = 0; c < sim.Currents.Length; c++)
                {
                    if (sim.Currents[c].Owner == m.Index) { floatSum += sim.CurrentValues[c]; }
                }

                double e = Math.Abs(floatSum - ToMv(kernel.CurrentsInto[m.Index]));
                sq += e * e;
                max = Math.Max(max, e);
                vMax = Math.Max(vMax, Math.Abs(sim.Voltages[m.Index] - ToMv(kernel.Voltages[m.Index])));
                count++;
            }
        }

        FreeRunResult floatRun = FreeRun.Run(network, data, warmup);
        progress?.Report(2 / 4.0);
        FreeRunResult fixedRun = Run(model, data, warmup);
        progress?.Report(3 / 4.0);
        FreeRunResult perturbedRun = FreeRun.Run(network.PerturbedCopy(Network.WeightRounding, seed: 1), data, warmup);
        progress?.Report(1.0);
        NeuronScore[] floatScores = Scoring.Score(network, data, floatRun);
        NeuronScore[] fixedScores = Scoring.Score(network, data, fixedRun);
        var floatAsData = new Dataset("float model", data.DtMs,
            data.Neurons.Select((t, i) => new NeuronTrace(t.Name, Prepend(warmup, floatRun.Voltages[i]), t.I)).ToArray());
        NeuronScore[] versus = Scoring.Score(network, floatAsData, fixedRun);
        NeuronScore[] perturbed = Scoring.Score(network, floatAsData, perturbedRun);
        return new FidelityReport(Math.Sqrt(sq / Math.Max(1, count)), max, vMax, floatScores, fixedScores, versus, fixedRun, perturbed);
    }

    private static float[] Prepend(int warmup, float[] run)
    {
        var all = new float[warmup + run.Length];
        run.CopyTo(all, warmup);
        return all;
    }
}
