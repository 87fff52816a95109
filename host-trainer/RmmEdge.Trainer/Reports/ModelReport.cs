using System.Globalization;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Trainer.Reports;

/// <summary>Everything a model report can show; the parts not given are left out of the page.</summary>
/// <param name="Name">Short name of the model ("STG neuron A").</param>
/// <param name="Network">The trained float model.</param>
/// <param name="Test">Held-out recording the free run is judged on.</param>
/// <param name="TeacherForcing">Training history of stage 1.</param>
/// <param name="MultipleShooting">Training history of stage 2.</param>
/// <param name="FixedPoint">Compiled model (.rmmq bytes) and its bit width, for the fixed-point free run.</param>
/// <param name="Fidelity">Fixed-point vs float fidelity measured by the compiler.</param>
/// <param name="Budget">Measured cost per step on Cortex-M cores.</param>
/// <param name="Reference">The simulated circuit the data came from, when known: its response to constant
/// current is shown beside the model's.</param>
public sealed record ReportInputs(string Name, Network Network, Dataset Test, TrainingResult? TeacherForcing = null,
    TrainingResult? MultipleShooting = null, (byte[] File, int Bits)? FixedPoint = null, FidelityReport? Fidelity = null,
    IReadOnlyList<BudgetResult>? Budget = null, Func<Circuit>? Reference = null);

/// <summary>
/// The standard model report (issue 8): free run against data (whole and zoomed), training curves,
/// IV curves and conductances, predicted synaptic currents (against the truth when the recording
/// carries it), fixed-point against float, and the board budget. Adds its sections to an
/// <see cref="HtmlReport"/>, so several models can share one page.
/// </summary>
public static class ModelReport
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];

    public static void AddTo(HtmlReport page, ReportInputs inputs)
    {
        if (inputs.Test.Segments.Count > 1)
        {
            AddSweeps(page, inputs);
            return;
        }

        Network network = inputs.Network;
        Dataset test = inputs.Test;
        int warmup = Math.Min(network.WarmupSamples, test.Length / 2);
        FreeRunResult run = FreeRun.Run(network, test, warmup);
        NeuronScore[] scores = Scoring.Score(network, test, run);
        double dt = test.DtMs;
        double[] time = Enumerable.Range(0, test.Length - warmup).Select(k => (k + warmup) * dt / 1000).ToArray();

        page.Heading($"{inputs.Name}: free run on held-out data");
        page.Text($"{test.Source}: {time.Length * dt / 1000:0.#} s after a {warmup * dt / 1000:0.#} s teacher-forced warm-up; " +
            $"{network.ParameterCount:N0} parameters. Spikes and bursts detected by the rules of metrics.md; Γ with Δ = ±4 ms.", note: true);
        page.Table(["neuron", "burst period (ms)", "spikes/burst", "Γ", "RMSE (mV)", "angular separation", "spikes", NeuronScore.OutsideTrainedRangeHeading],
            scores.Select(s => (IReadOnlyList<string>)
            [
                s.Neuron,
                $"{s.ModelBursts.PeriodMs:0.0} vs {s.DataBursts.PeriodMs:0.0} ({s.PeriodError:+0.0%;-0.0%;+0.0%})",
                $"{s.ModelBursts.SpikesPerBurst:0.00} vs {s.DataBursts.SpikesPerBurst:0.00} ({s.SpikesPerBurstError:+0.00;-0.00;+0.00})",
                $"{s.Gamma:0.000}", $"{s.RmseMv:0.00}", $"{s.AngularSeparation:0.000}", $"{s.ModelSpikes} vs {s.DataSpikes}", s.OutsideTrainedRangeFigures,
            ]));
        for (int i = 1; i < scores.Length; i++)
        {
            (CircularPhase modelPhase, CircularPhase dataPhase) = Scoring.Phase(scores[0], scores[i]);
            page.Text($"Phase of {scores[i].Neuron}'s bursts in {scores[0].Neuron}'s cycle: free run {modelPhase}, data {dataPhase} " +
                "(circular mean; 0.5 = anti-phase; R = resultant length, 1 = locked).", note: true);
        }

        foreach (NeuronModel m in network.Models)
        {
            double[] data = test.Neurons[m.Index].V.Skip(warmup).Select(v => (double)v).ToArray();
            double[] model = run.Voltages[m.Index].Select(v => (double)v).ToArray();
            page.Plot(new SvgPlot($"{m.Spec.Name}: membrane potential, whole record", "time (s)", "V (mV)")
                .Add("data", time, data, "#444").Add("model (free run)", time, model, Colors[0]));
            int zoomStart = time.Length / 2, zoomLength = Math.Min(time.Length - zoomStart, (int)(2000 / dt));
            page.Plot(new SvgPlot($"{m.Spec.Name}: membrane potential, 2 s zoom", "time (s)", "V (mV)")
                .Add("data", time[zoomStart..(zoomStart + zoomLength)], data[zoomStart..(zoomStart + zoomLength)], "#444")
                .Add("model (free run)", time[zoomStart..(zoomStart + zoomLength)], model[zoomStart..(zoomStart + zoomLength)], Colors[0]));
        }

        AddTraining(page, inputs);
        AddInterpretation(page, network, test, warmup, time);
        AddConstantCurrents(page, network, inputs.Reference);
        AddFixedPoint(page, inputs, run, warmup, time);
        AddBudget(page, inputs);
    }

    /// <summary>
    /// A record of several sweeps (or files): each sweep free-run on its own after its transient, never
    /// across a boundary (issue 22); the per-sweep table of eval, the FI curve (spikes against the
    /// sweep's largest current, model and cell), every sweep's voltage overlaid, then the training,
    /// constant-current and board sections (the interpretation and fixed-point sections, drawn along one
    /// continuous record, are left to single records).
    /// </summary>
    private static void AddSweeps(HtmlReport page, ReportInputs inputs)
    {
        Network network = inputs.Network;
        Dataset test = inputs.Test;
        Transient transient = Transient.For(network, test, null);
        SegmentRuns runs = FreeRun.RunSegments(network, test, transient);
        SpikeRule rule = SpikeRule.FromRuns(network, runs, test.DtMs);
        page.Heading($"{inputs.Name}: free run of every sweep");
        page.Text($"{test.Source}: {runs.Runs.Count} sweeps, each free-run on its own after its warm-up ({transient}). Spikes: {rule}. " +
            $"Subthreshold: more than {SweepScores.SpikeMarginMs:0} ms from any spike of either.", note: true);
        foreach (NeuronModel m in network.Models)
        {
            SweepScore[] sweeps = SweepScores.PerSweep(m, runs, rule);
            page.Table(SweepScore.Headers, sweeps.Select(w => w.Cells()));
            SweepScore[] byCurrent = sweeps.OrderBy(w => w.PeakCurrentNa).ToArray();
            double[] current = byCurrent.Select(w => w.PeakCurrentNa).ToArray();
            page.Plot(new SvgPlot($"{m.Spec.Name}: FI curve (spikes per sweep against its largest current)", "peak I (nA)", "spikes")
                .Add("cell", current, byCurrent.Select(w => (double)w.DataSpikes).ToArray(), "#444")
                .Add("model (free run)", current, byCurrent.Select(w => (double)w.ModelSpikes).ToArray(), Colors[0]));
            var overlay = new SvgPlot($"{m.Spec.Name}: every sweep, cell (grey) and model (colour)", "time in the sweep (s)", "V (mV)", height: 360);
            for (int r = 0; r < runs.Runs.Count; r++)
            {
                (Dataset data, FreeRunResult run) = runs.Runs[r];
                double[] t = Enumerable.Range(0, run.Voltages[m.Index].Length).Select(k => (k + run.Start) * data.DtMs / 1000).ToArray();
                overlay.Add(r == 0 ? "cell" : "", t, data.Neurons[m.Index].V[run.Start..].Select(v => (double)v).ToArray(), "#999");
                overlay.Add(r == 0 ? "model (free run)" : "", t, run.Voltages[m.Index].Select(v => (double)v).ToArray(), Colors[r % Colors.Length]);
            }

            page.Plot(overlay);
        }

        AddTraining(page, inputs);
        AddConstantCurrents(page, network, inputs.Reference);
        AddBudget(page, inputs);
    }

    private static void AddTraining(HtmlReport page, ReportInputs inputs)
    {
        if (inputs.TeacherForcing is not { } tf)
        {
            return;
        }

        page.Heading("Training");
        var losses = new SvgPlot("Training loss", "epoch", "loss ((mV/ms)²)") { LogY = true };
        var validation = new SvgPlot("Validation score of snapshots (free run; higher is better)", "epoch", "score");
        Add(tf, "teacher forcing", 0, Colors[0]);
        if (inputs.MultipleShooting is { } ms)
        {
            Add(ms, "multiple shooting", tf.History.Count, Colors[1]);
        }

        page.Plot(losses).Plot(validation);
        page.Text($"Teacher forcing: {tf.TrainingSamples:N0} samples, {tf.History.Count} epochs in {tf.Seconds:0.0} s; snapshot of epoch {tf.SelectedEpoch} selected " +
            $"(score {tf.SelectedValidation:0.000})." + (tf.Polish.Length > 0 ? $" {tf.Polish}." : "") + (inputs.MultipleShooting is { } m
                ? $" Multiple shooting: {m.History.Count - 1} epochs in {m.Seconds:0.0} s; {m.Selection}."
                : ""), note: true);

        void Add(TrainingResult r, string name, int offset, string color)
        {
            var trained = r.History.Where(h => double.IsFinite(h.TrainLoss)).ToArray();
            losses.Add(name, trained.Select(h => (double)(h.Epoch + offset)).ToArray(), trained.Select(h => h.TrainLoss).ToArray(), color);
            var scored = r.History.Where(h => h.Validation is not null).ToArray();
            validation.Add(name, scored.Select(h => (double)(h.Epoch + offset)).ToArray(), scored.Select(h => h.Validation!.Value).ToArray(), color);
        }
    }

    private static void AddInterpretation(HtmlReport page, Network network, Dataset test, int warmup, double[] time)
    {
        page.Heading("What the model learned");
        IvCurve[] curves = ModelAnalysis.IvCurves(network, -80, 0, 161, holdingMv: -60);
        var steady = new SvgPlot("Steady-state IV curves (bank at steady state; synapses: presynaptic voltage, postsynaptic at −60 mV)", "V (mV)", "ψ (nA, outward +)");
        var instant = new SvgPlot("Instantaneous IV curves (bank held at −60 mV)", "V (mV)", "ψ (nA, outward +)");
        for (int c = 0; c < curves.Length; c++)
        {
            double[] v = curves[c].VoltageMv.Select(x => (double)x).ToArray();
            steady.Add(curves[c].Current, v, curves[c].SteadyStateNa.Select(x => (double)x).ToArray(), Colors[c % Colors.Length]);
            instant.Add(curves[c].Current, v, curves[c].InstantaneousNa.Select(x => (double)x).ToArray(), Colors[c % Colors.Length]);
        }

        page.Plot(steady).Plot(instant);
        IvCurve[] gating = curves.Where(c => c.SteadyStateConductanceUs.Any(float.IsFinite)).ToArray();
        if (gating.Length > 0)
        {
            var conductance = new SvgPlot("Steady-state conductance g·a·b of conductance-based currents", "V (mV)", "g (µS)");
            for (int c = 0; c < gating.Length; c++)
            {
                conductance.Add(gating[c].Current, gating[c].VoltageMv.Select(x => (double)x).ToArray(), gating[c].SteadyStateConductanceUs.Select(x => (double)x).ToArray(), Colors[c % Colors.Length]);
            }

            page.Plot(conductance);
        }

        AddFrequencyConductance(page, network);
        CurrentTraces traces = ModelAnalysis.Traces(network, test, warmup, gamma: 1f);
        SynapseCorrelation[] correlations = ModelAnalysis.SynapticCorrelations(network, test, traces);
        Current[] currents = network.Currents.ToArray();
        int zoomStart = time.Length / 2, zoomLength = Math.Min(time.Length - zoomStart, (int)(3000 / test.DtMs));
        double[] zoomTime = time[zoomStart..(zoomStart + zoomLength)];
        for (int c = 0; c < currents.Length; c++)
        {
            if (!currents[c].IsSynapse)
            {
                continue;
            }

            // Reported with the sign convention of injected current (positive = depolarising), like the data's Isyn.
            double[] predicted = traces.CurrentNa[c].Skip(zoomStart).Take(zoomLength).Select(x => -(double)x).ToArray();
            var plot = new SvgPlot($"{currents[c].QualifiedName}: predicted synaptic current from the measured voltages (3 s)", "time (s)", "I_syn (nA, depolarising +)")
                .Add("model", zoomTime, predicted, Colors[0]);
            SynapseCorrelation? correlation = correlations.FirstOrDefault(r => r.Synapses[^1] == currents[c].QualifiedName);
            if (correlation is not null)
            {
                float[] truth = test.Extra[correlation.TruthColumn];
                string label = correlation.Synapses.Length == 1 ? $"true ({correlation.TruthColumn})" : $"true ({correlation.TruthColumn}, all synapses onto {correlation.Neuron})";
                plot.Add(label, zoomTime, truth.Skip(warmup + zoomStart).Take(zoomLength).Select(x => (double)x).ToArray(), "#444", dashed: true);
            }

            page.Plot(plot);
            if (correlation is not null)
            {
                page.Text($"{string.Join(" + ", correlation.Synapses)}: Pearson r with the true synaptic current {correlation.TruthColumn} over the whole record = " +
                    $"{correlation.PearsonR:0.000} (never trained on it).", note: true);
            }
        }
    }

    /// <summary>
    /// G(v, ω) of every current (ModelAnalysis.FrequencyConductance) over the authors' range, 0.005–20
    /// rad/ms, at two voltages: how much current a small sinusoidal voltage of each frequency draws.
    /// A current that is slow shows its conductance only at low ω; a negative G is a regenerative current.
    /// </summary>
    private static void AddFrequencyConductance(HtmlReport page, Network network)
    {
        const int points = 41;
        double[] logOmega = Enumerable.Range(0, points).Select(i => Math.Log10(5e-3) + i * (Math.Log10(20) - Math.Log10(5e-3)) / (points - 1)).ToArray();
        double[] omega = logOmega.Select(x => Math.Pow(10, x)).ToArray();
        float[] voltages = [-55f, -40f];
        Current[] currents = network.Currents.ToArray();
        foreach (NeuronModel neuron in network.Models)
        {
            var plot = new SvgPlot($"{network.Spec.Neurons[neuron.Index].Name}: frequency-dependent conductance G(v, ω), −55 mV solid, −40 mV dashed",
                "log₁₀ ω (ω in rad/ms)", "G (µS)");
            for (int c = 0; c < currents.Length; c++)
            {
                if (currents[c].Owner != neuron.Index)
                {
                    continue;
                }

                double[,] g = ModelAnalysis.FrequencyConductance(network, c, voltages, omega);
                for (int r = 0; r < voltages.Length; r++)
                {
                    double[] row = Enumerable.Range(0, points).Select(w => g[r, w]).ToArray();
                    plot.Add($"{currents[c].Name} {voltages[r]:0} mV", logOmega, row, Colors[c % Colors.Length], dashed: r > 0);
                }
            }

            page.Plot(plot);
        }

        page.Text("G(v, ω): the in-phase current per mV of a small sinusoidal voltage about v (steady state), from ω = 0.005 to 20 rad/ms " +
            "(the authors' range); negative G is regenerative. A synapse's G is its response to the presynaptic voltage; one driven by spike " +
            "activity shows almost none below spike threshold.", note: true);
    }

    /// <summary>The model's own rhythm: free runs from rest under constant currents, beside the reference cell's.</summary>
    private static void AddConstantCurrents(HtmlReport page, Network network, Func<Circuit>? reference)
    {
        if (network.Spec.Neurons.Any(n => n.External))
        {
            return;
        }

        double[] currents = ConstantCurrentResponse.StandardCurrentsNa;
        ActivitySummary[][] model = ConstantCurrentResponse.OfModel(network, currents);
        ActivitySummary[][]? cell = reference is null ? null : ConstantCurrentResponse.OfCircuit(reference, currents, network.DtMs);
        string[] names = network.Spec.Neurons.Select(n => n.Name).ToArray();
        var headers = new List<string> { "I (nA)" };
        foreach (string name in names)
        {
            headers.Add($"{name}: model");
            if (cell is not null) { headers.Add($"{name}: simulated cell"); }
        }

        var rows = new List<string[]>();
        for (int c = 0; c < currents.Length; c++)
        {
            var row = new List<string> { currents[c].ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) };
            for (int i = 0; i < names.Length; i++)
            {
                row.Add(model[c][i].ToString());
                if (cell is not null) { row.Add(cell[c][i].ToString()); }
            }

            rows.Add(row.ToArray());
        }

        page.Heading("Response to constant current");
        page.Text("Free run from rest (−60 mV, filters at steady state) under a constant current into every modelled neuron, the last 8 s of 12 s. " +
            "A model fitted to a driven record can follow the drive and still lose the cell's own rhythm; this table shows it. " +
            "Bursts: spikes grouped by the geometric mean of the shortest and longest interval; tonic: interval CV below 0.25.", note: true);
        page.Table(headers, rows);
    }

    private static void AddFixedPoint(HtmlReport page, ReportInputs inputs, FreeRunResult floatRun, int warmup, double[] time)
    {
        if (inputs.FixedPoint is not { } fixedPoint)
        {
            return;
        }

        page.Heading($"Fixed point ({fixedPoint.Bits}-bit weights) against float");
        // The fidelity check on the test record has usually run the fixed-point model already, with this warm-up.
        FreeRunResult fixedRun = inputs.Fidelity?.FixedRun is { } measured && measured.Start == warmup
            ? measured
            : FixedPointRun.Run(FixedPointRun.Load(fixedPoint.File), inputs.Test, warmup);
        if (inputs.Fidelity is { } f)
        {
            page.Text($"One step from measured states: Σψ error RMS {f.OneStepCurrentRmsNa:G3} nA (max {f.OneStepCurrentMaxNa:G3} nA), next-voltage error max {f.OneStepVoltageMaxMv:G3} mV.", note: true);
            page.Table(["neuron", "float: period, spikes/burst", "fixed: period, spikes/burst", "fixed vs float Γ",
                    "float × (1 + 2⁻¹⁵·N): period, spikes/burst", "its Γ vs float"],
                f.Float.Select((s, i) => (IReadOnlyList<string>)
                [
                    s.Neuron, $"{s.ModelBursts.PeriodMs:0.0} ms, {s.ModelBursts.SpikesPerBurst:0.00}",
                    $"{f.Fixed[i].ModelBursts.PeriodMs:0.0} ms, {f.Fixed[i].ModelBursts.SpikesPerBurst:0.00}", $"{f.FixedVsFloat[i].Gamma:0.000}",
                    $"{f.PerturbedVsFloat[i].ModelBursts.PeriodMs:0.0} ms, {f.PerturbedVsFloat[i].ModelBursts.SpikesPerBurst:0.00}", $"{f.PerturbedVsFloat[i].Gamma:0.000}",
                ]));
            page.Text("The last two columns are the float model with every parameter multiplied by 1 + 2⁻¹⁵·N(0, 1), the size of a 16-bit " +
                "weight's rounding: where they differ from the float model as much as fixed point does, the drift is the model's own " +
                "sensitivity, and no arithmetic removes it.", note: true);
        }

        foreach (NeuronModel m in inputs.Network.Models)
        {
            int zoomStart = time.Length / 2, zoomLength = Math.Min(time.Length - zoomStart, (int)(2000 / inputs.Test.DtMs));
            page.Plot(new SvgPlot($"{m.Spec.Name}: float and fixed-point free runs (2 s)", "time (s)", "V (mV)")
                .Add("float", time[zoomStart..(zoomStart + zoomLength)], floatRun.Voltages[m.Index].Skip(zoomStart).Take(zoomLength).Select(v => (double)v).ToArray(), Colors[0])
                .Add($"fixed point ({fixedPoint.Bits}-bit)", time[zoomStart..(zoomStart + zoomLength)], fixedRun.Voltages[m.Index].Skip(zoomStart).Take(zoomLength).Select(v => (double)v).ToArray(), Colors[1], dashed: true));
        }
    }

    private static void AddBudget(HtmlReport page, ReportInputs inputs)
    {
        page.Heading("On the board");
        if (inputs.Budget is not { Count: > 0 } budget)
        {
            page.Text("Cycle budget not measured (needs gcc-arm-none-eabi and qemu-system-arm: rmm budget MODEL.rmmq).", note: true);
            return;
        }

        double rate = 1 / inputs.Network.DtMs;
        page.Table(["core", "instructions/step", "cycles/instruction (assumed)", "cycles/step", "max rate (kHz)", $"load at {rate:0.###} kHz"],
            budget.Select(b => (IReadOnlyList<string>)
            [
                $"{b.Core.Name} at {b.Core.ClockMhz:0} MHz", $"{b.InstructionsPerStep:0}", $"{b.Core.CyclesPerInstruction:0.0}",
                $"{b.CyclesPerStep:0}", $"{b.MaxRateKhz:0.0}", $"{(b.Load(rate) <= 0.5 ? "PASS" : b.Load(rate) <= 1 ? "" : "FAIL")} {b.Load(rate):P0}".Trim(),
            ]));
        page.Text("Instructions counted by running the cross-compiled C kernel (arm-none-eabi-gcc -O2) on QEMU's MPS2 boards with -icount.", note: true);
    }
}
