using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Bench;

/// <summary>
/// Issue 4's circuit bars on the synthetic half-centre oscillator of ../shared/data/synthetic (hco1:
/// train 60 s, test 20 s): for each seed, the training pipeline of a configuration (teacher forcing,
/// then multiple shooting if it asks) on the training file; the free run of both cells on the test
/// file (burst period within 10% of the data's for each cell, anti-phase: circular mean 0.5 ± 0.1 — metrics.md rules; R is printed, not required: on the driven test file the data's own R is 0.55);
/// and the predicted synaptic currents against the simulator's true ones (Pearson r ≥ 0.8), which
/// training never sees. Takes minutes per seed, so it is run by hand.
/// </summary>
public static class HalfCentreBench
{
    /// <summary>
    /// "sim:CELL:NS": a half-centre of two catalogue cells (StgConductances.Catalogue) with synapses of
    /// NS nS each way, simulated with 30 % rest steps: 60 s to train on (seed 1), 20 s to test (seed 2).
    /// </summary>
    private static (Dataset Train, Dataset Test) Simulated(string kind)
    {
        (string cell, double us) = CellAndSynapse(kind);
        return (BuiltInData.Simulate("hco", 60, 1, BuiltInData.RhythmRestProbability, 0, cell, us),
                BuiltInData.Simulate("hco", 20, 2, BuiltInData.RhythmRestProbability, 0, cell, us));
    }

    /// <summary>
    /// "ff:CELL:NS": the same two cells and stimulus as "sim:CELL:NS", but one synapse only, from cell 1 onto cell 2. A
    /// diagnostic: cell 1 bursts whatever cell 2's state, so its inhibition is not tied to cell 2's own voltage history
    /// as in an anti-phase pair, and cell 2's synaptic r asks whether that tie is what keeps the synapse unidentified.
    /// There is no rhythm to judge, and cell 1's synaptic r is undefined (no synapse).
    /// </summary>
    private static (Dataset Train, Dataset Test) FeedForward(string kind)
    {
        (string cell, double us) = CellAndSynapse(kind);
        Circuit Make()
        {
            var circuit = new Circuit([new StgNeuron(StgConductances.Named(cell)), new StgNeuron(StgConductances.Named(cell))], [new GradedSynapse(0, 1, us)]);
            circuit.Reset([-60, -45]);
            return circuit;
        }

        StimulusSpec stimulus = StimulusSpec.HalfCentre with { RestProbability = BuiltInData.RhythmRestProbability };
        return (BuiltInData.Record(Make(), stimulus, kind, 60, 1), BuiltInData.Record(Make(), stimulus, kind, 20, 2));
    }

    /// <summary>The catalogue cell and the synapses (µS each way) of a "sim:CELL:NS" or "ff:CELL:NS" kind.</summary>
    private static (string Cell, double SynapseUs) CellAndSynapse(string kind)
    {
        string[] parts = kind.Split(':');
        return (parts[1], double.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) / 1000);
    }

    /// <summary>
    /// What the configured synapse can reach at best: each synapse of the configured network fitted straight to the simulator's
    /// own activation s (SynapseFit: least squares of a(x) on s over the training record's presynaptic voltage, g and E set to the
    /// simulator's), then judged as the trained models are (synaptic r on the test file, from the measured voltages). No intrinsic
    /// current competes with it here, so a trained model's r below this is identification's, and this figure below 0.8 is the
    /// structure's: its linearly filtered drive cannot follow the graded synapse's fast rise and slow, saturated decay.
    /// </summary>
    private static string SynapseCeiling(string kind, TrainingConfig config, Dataset train, Dataset test)
    {
        (_, double us) = CellAndSynapse(kind);
        var network = new Network(config.BuildSpec(train.DtMs, 2), config.Seed);
        var fits = new List<string>();
        foreach (GatingCurrent synapse in network.Currents.OfType<GatingCurrent>().Where(c => c.IsSynapse))
        {
            double rms = SynapseFit.Fit(synapse, new GradedSynapse(synapse.Source, synapse.Owner, us), train.Neurons[synapse.Source].V, train.DtMs, seed: config.Seed);
            fits.Add($"{synapse.QualifiedName} RMS {rms:0.000}");
        }

        int warmup = network.WarmupSamples;
        SynapseCorrelation[] r = ModelAnalysis.SynapticCorrelations(network, test, ModelAnalysis.Traces(network, test, warmup));
        return $"the synapses fitted straight to the simulator's activation s on the training record ({string.Join(", ", fits)}): synaptic r on the test file " +
            string.Join(", ", r.Select(c => $"{c.TruthColumn} {c.PearsonR:0.000}")) + " (the structure's ceiling)";
    }

    /// <summary>A "sim:CELL:NS" half-centre as Circuit.HalfCentre builds it (cells at −60 / −45 mV).</summary>
    /// <param name="synapseUs">The synapses' conductance instead of the kind's (0: the cells uncoupled, as with a blocker).</param>
    private static Circuit SimulatedCircuit(string kind, double? synapseUs = null)
    {
        (string cell, double us) = CellAndSynapse(kind);
        return Circuit.HalfCentre(StgConductances.Named(cell), synapseUs ?? us);
    }

    /// <summary>Both cells' spikes and bursts at 0 nA and their phase (cell 2's onsets in cell 1's cycles); no bursts when a cell spikes fewer than three times.</summary>
    private sealed record AtZeroCurrent(int[] Spikes, BurstStats[]? Bursts, CircularPhase Phase)
    {
        public override string ToString() => Bursts is null
            ? $"spikes {Spikes[0]} / {Spikes[1]}: no rhythm"
            : $"periods {Bursts[0].PeriodMs:0} / {Bursts[1].PeriodMs:0} ms, spikes/burst {Bursts[0].SpikesPerBurst:0.0} / {Bursts[1].SpikesPerBurst:0.0}, phase {Phase}";
    }

    /// <summary>The 0 nA seconds analysed, after the settling seconds, from (−60, −45) mV as Circuit.HalfCentre starts.</summary>
    private const double ZeroCurrentSeconds = 12, ZeroCurrentSettleSeconds = 4;

    /// <summary><see cref="AtZeroCurrent"/> of voltage traces, bursts split at <paramref name="gapMs"/> (null: 5 median intervals of cell 1's spikes).</summary>
    private static AtZeroCurrent Analyse(float[][] v, double dtMs, double? gapMs)
    {
        double[][] spikes = v.Select(trace => Spikes.Detect(trace, dtMs)).ToArray();
        int[] counts = [.. spikes.Select(s => s.Length)];
        if (spikes.Any(s => s.Length < 3))
        {
            return new AtZeroCurrent(counts, null, CircularPhase.Of([]));
        }

        double gap = gapMs ?? BurstAnalysis.DefaultGapMs(spikes[0]);
        BurstStats[] bursts = [.. spikes.Select(s => BurstAnalysis.Analyse(s, gap))];
        return new AtZeroCurrent(counts, bursts, BurstAnalysis.Phase(bursts[0].Onsets, bursts[1].Onsets));
    }

    /// <summary>
    /// What a synapse must stand out from: on each cell's slow samples of the test file (<see cref="SlowSamples"/>: the
    /// interbursts, where the synapses act), the RMS of the model's one-step dv/dt error from the measured
    /// voltages of both cells, against the SD of the true synaptic current's own share of dv/dt (Isyn / C, both half-centres'
    /// cells being Prinz STG cells of <see cref="StgNeuron.CapacitanceNf"/>).
    /// </summary>
    private static string SlowErrorBudget(Trainer.Model.Network network, Dataset test, int warmup)
    {
        int n = network.NeuronCount;
        var runner = new Trainer.Model.NetworkRunner(network);
        float[] injected = new float[n], measured = new float[n];
        for (int i = 0; i < n; i++) { measured[i] = test.Neurons[i].V[0]; }
        runner.Reset(measured);
        var errors = new List<double>[n];
        var synaptic = new List<double>[n];
        for (int i = 0; i < n; i++) { errors[i] = []; synaptic[i] = []; }
        for (int k = 0; k < test.Length; k++)
        {
            for (int i = 0; i < n; i++) { injected[i] = test.Neurons[i].I[k]; measured[i] = test.Neurons[i].V[k]; }
            runner.Step(injected, measured, 1f);
            for (int i = 0; i < n; i++)
            {
                float[] v = test.Neurons[i].V;
                if (k < warmup || !SlowSamples.Is(v, k, test.DtMs)) { continue; }
                errors[i].Add(runner.Derivatives[i] - (v[k + 1] - v[k]) / test.DtMs);
                if (test.Extra.TryGetValue($"Isyn{i + 1}", out float[]? truth)) { synaptic[i].Add(truth[k] / StgNeuron.CapacitanceNf); }
            }
        }

        static double Rms(List<double> x) => Math.Sqrt(x.Sum(e => e * e) / Math.Max(1, x.Count));
        static double Sd(List<double> x) { double mean = x.Count == 0 ? 0 : x.Average(); return Math.Sqrt(x.Sum(e => (e - mean) * (e - mean)) / Math.Max(1, x.Count)); }
        return "slow samples: one-step dv/dt error RMS " + string.Join(" / ", errors.Select(e => $"{Rms(e):0.000}")) +
            " mV/ms, the true synaptic current's share SD " + string.Join(" / ", synaptic.Select(e => $"{Sd(e):0.000}")) + " mV/ms (" +
            string.Join(" / ", errors.Select(e => $"{e.Count:N0}")) + " samples)";
    }

    /// <summary>The pair model alone at 0 nA (<see cref="ZeroCurrentSeconds"/> after <see cref="ZeroCurrentSettleSeconds"/>) from an asymmetric rest.</summary>
    private static AtZeroCurrent ModelAtZeroCurrent(Trainer.Model.Network network, double? gapMs)
    {
        float[][] v = ConstantCurrentResponse.RunFromRest(network, 0, [-60f, -45f],
            (int)(ZeroCurrentSettleSeconds * 1000 / network.DtMs), (int)(ZeroCurrentSeconds * 1000 / network.DtMs));
        return Analyse(v, network.DtMs, gapMs);
    }

    /// <summary>A "sim:CELL:NS" half-centre at 0 nA, the same way: what the model's spontaneous rhythm is judged against.</summary>
    private static AtZeroCurrent CircuitAtZeroCurrent(string kind, double? synapseUs = null)
    {
        Circuit circuit = SimulatedCircuit(kind, synapseUs);
        double dt = BuiltInData.DtMs;
        circuit.Advance(ZeroCurrentSettleSeconds * 1000, [0, 0]);
        int samples = (int)(ZeroCurrentSeconds * 1000 / dt);
        Dataset record = circuit.Record([new float[samples], new float[samples]], dt, "0 nA");
        return Analyse([.. record.Neurons.Select(n => n.V)], dt, null);
    }

    /// <summary>
    /// Issue 17's bar on the spontaneous rhythm: both cells burst with periods within 10 % of the circuit's, in anti-phase
    /// (circular mean 0.5 ± 0.1, R ≥ 0.8). The figures, and whether it is met.
    /// </summary>
    private static (bool Met, string Figures) AgainstCircuit(AtZeroCurrent model, AtZeroCurrent circuit)
    {
        if (model.Bursts is null || circuit.Bursts is null) { return (false, model.ToString()); }
        double[] errors = [.. model.Bursts.Select((b, n) => b.PeriodMs / circuit.Bursts[n].PeriodMs - 1)];
        bool met = errors.All(e => Math.Abs(e) <= 0.10) && Math.Abs(model.Phase.Mean - 0.5) <= 0.1 && model.Phase.Resultant >= 0.8;
        return (met, $"{model} (periods {errors[0]:+0.0%;-0.0%} / {errors[1]:+0.0%;-0.0%}, spikes/burst " +
            $"{model.Bursts[0].SpikesPerBurst - circuit.Bursts[0].SpikesPerBurst:+0.00;-0.00} / {model.Bursts[1].SpikesPerBurst - circuit.Bursts[1].SpikesPerBurst:+0.00;-0.00})");
    }

    /// <summary>
    /// The cells as fitted alone (uncoupled) under the standard constant currents into both, beside the simulated cells uncoupled:
    /// each cell's class (silent, single spikes, tonic, bursting) at each level, and at how many of the levels it is the cell's.
    /// </summary>
    private static string CellsUnderConstantCurrent(Trainer.Model.Network cells, ActivitySummary[][] truth)
    {
        double[] levels = ConstantCurrentResponse.StandardCurrentsNa;
        ActivitySummary[][] model = ConstantCurrentResponse.OfModel(cells, levels);
        int right = 0, total = 0;
        var rows = new List<string>();
        for (int c = 0; c < levels.Length; c++)
        {
            for (int n = 0; n < truth[c].Length; n++)
            {
                right += model[c][n].Kind == truth[c][n].Kind ? 1 : 0;
                total++;
            }

            rows.Add($"{levels[c]:+0.00;-0.00} nA: {string.Join(" | ", model[c].Select(a => a.ToString()))} (cells: {string.Join(" | ", truth[c].Select(a => a.ToString()))})");
        }

        return $"the cells as fitted alone under constant current, class right at {right} of {total} (cell, level): {string.Join("; ", rows)}";
    }

    /// <summary>
    /// The currents among <paramref name="candidatesNa"/> under which both cells of a "sim:CELL:NS" half-centre fire or
    /// burst (the circuit as a lab sees it for a few seconds of each, the current into each cell), with what it does there.
    /// </summary>
    private static (float[] Fires, string Seen) FiresAt(string kind, IReadOnlyList<float> candidatesNa)
    {
        ActivitySummary[][] seen = ConstantCurrentResponse.OfCircuit(() => SimulatedCircuit(kind),
            [.. candidatesNa.Select(i => (double)i)], BuiltInData.DtMs);
        float[] fires = [.. candidatesNa.Where((_, c) => seen[c].All(cell => cell.Kind != FiringPattern.Silent))];
        return (fires, string.Join("; ", candidatesNa.Select((i, c) => $"{i:+0.00;-0.00} nA: {string.Join(" | ", seen[c].Select(cell => cell.ToString()))}")));
    }

    /// <param name="firesAtCandidates">Currents (nA, into each cell) at which a simulated half-centre is looked at: those where
    /// both cells fire or burst go to training as <see cref="TeacherForcingOptions.FiresAtNa"/>. Empty: none.</param>
    /// <param name="cellsAlone">Each model's cells are first fitted on a record with the synapses blocked (a "sim:" kind's two cells uncoupled, the
    /// same stimulus process drawn with seed 3) and held while the synapses alone are fitted on the circuit's record (TrainingPipeline.Run's cellsAlone).</param>
    public static void Run(string sharedData, string[] kinds, TrainingConfig config, int[] seeds, TextWriter output, IReadOnlyList<float>? firesAtCandidates = null,
        bool cellsAlone = false)
    {
        output.WriteLine($"configuration: {System.Text.RegularExpressions.Regex.Replace(config.ToJson(), @"\s+", " ")}");
        foreach (string kind in kinds)
        {
            if ((kind.StartsWith("ff:") ? FeedForward(kind) : kind.StartsWith("sim:") ? Simulated(kind) : SyntheticPair.Load(sharedData, "hco1_train_60s", "hco1_test_20s", kind, output)) is not { } records)
            {
                return;
            }

            (Dataset train, Dataset test) = records;
            TrainingConfig kindConfig = config;
            if (firesAtCandidates is { Count: > 0 })
            {
                if (!kind.StartsWith("sim:"))
                {
                    output.WriteLine($"{kind}: --fires-at looks at a simulated half-centre (sim:CELL:NS); training here is told nothing");
                }
                else
                {
                    (float[] fires, string seen) = FiresAt(kind, firesAtCandidates);
                    kindConfig = config with { TeacherForcing = config.TeacherForcing with { FiresAtNa = fires } };
                    output.WriteLine($"{kind} under constant current into each cell: {seen}; training is told it fires at " +
                        (fires.Length == 0 ? "none" : string.Join(", ", fires.Select(i => $"{i:+0.00;-0.00} nA"))));
                }
            }

            if (kind.StartsWith("sim:"))
            {
                output.WriteLine($"{kind}: {SynapseCeiling(kind, kindConfig, train, test)}");
            }

            AtZeroCurrent? circuitAtZero = kind.StartsWith("sim:") ? CircuitAtZeroCurrent(kind) : null;
            if (circuitAtZero is not null) { output.WriteLine($"{kind} at 0 nA (12 s after 4 s, from −60 / −45 mV): {circuitAtZero}"); }
            Dataset? blocked = null;
            AtZeroCurrent? uncoupledAtZero = null;
            ActivitySummary[][]? uncoupledClasses = null;
            if (cellsAlone)
            {
                if (!kind.StartsWith("sim:"))
                {
                    output.WriteLine($"{kind}: --cells-alone needs a simulated half-centre (sim:CELL:NS) to record with the synapses blocked; skipped");
                    continue;
                }

                blocked = BuiltInData.Simulate("hco", 60, 3, BuiltInData.RhythmRestProbability, 0, CellAndSynapse(kind).Cell, 0.0);
                output.WriteLine($"{kind}: the cells are fitted first on {blocked.Source} (synapses blocked), then held while the synapses are fitted");
                uncoupledAtZero = CircuitAtZeroCurrent(kind, synapseUs: 0);
                output.WriteLine($"{kind} uncoupled at 0 nA (12 s after 4 s, from −60 / −45 mV): {uncoupledAtZero}");
                uncoupledClasses = ConstantCurrentResponse.OfCircuit(() => SimulatedCircuit(kind, synapseUs: 0), ConstantCurrentResponse.StandardCurrentsNa, BuiltInData.DtMs);
            }

            int rhythm = 0, synapses = 0, spontaneous = 0;
            foreach (int seed in seeds)
            {
                var clock = Stopwatch.StartNew();
                PipelineResult result = TrainingPipeline.Run(kindConfig with { Seed = seed }, train, cellsAlone: blocked);
                var network = result.Network;
                int warmup = network.WarmupSamples;
                NeuronScore[] scores = Scoring.Score(network, test, FreeRun.Run(network, test, warmup));
                (CircularPhase phase, CircularPhase dataPhase) = Scoring.Phase(scores[0], scores[1]);
                SynapseCorrelation[] r = ModelAnalysis.SynapticCorrelations(network, test, ModelAnalysis.Traces(network, test, warmup));
                bool rhythmOk = scores.All(s => Math.Abs(s.PeriodError) <= 0.10) && Math.Abs(phase.Mean - 0.5) <= 0.1;
                bool synapsesOk = r.Length == 2 && r.All(c => c.PearsonR >= 0.8);
                rhythm += rhythmOk ? 1 : 0;
                synapses += synapsesOk ? 1 : 0;
                string stages = (result.CellsAlone is { } alone ? $"cells alone: TF epoch {alone.SelectedEpoch} (validation {alone.SelectedValidation:0.000}); synapses: " : "") +
                    $"TF epoch {result.TeacherForcing.SelectedEpoch} (validation {result.TeacherForcing.SelectedValidation:0.000})" +
                    (result.MultipleShooting is { } ms ? $", MS epoch {ms.SelectedEpoch} (validation {ms.History[0].Validation:0.000} -> {ms.SelectedValidation:0.000})" : "");
                output.WriteLine($"{kind} seed {seed}: {stages}, {clock.Elapsed.TotalSeconds:0} s");
                foreach (string polish in new[] { result.CellsAlone?.Polish ?? "", result.TeacherForcing.Polish }.Where(p => p.Length > 0))
                {
                    output.WriteLine($"    {polish}");
                }

                if (result.TeacherForcing.RestStability.Length > 0) { output.WriteLine($"    {result.TeacherForcing.RestStability}"); }
                foreach (NeuronScore s in scores) { output.WriteLine($"    {s}"); }
                AtZeroCurrent atZero = ModelAtZeroCurrent(network, circuitAtZero?.Bursts?[0].GapMs);
                if (circuitAtZero is null)
                {
                    output.WriteLine($"    at 0 nA from rest (cells at −60 / −45 mV, 12 s after 4 s): {atZero}");
                }
                else
                {
                    (bool met, string figures) = AgainstCircuit(atZero, circuitAtZero);
                    spontaneous += met ? 1 : 0;
                    output.WriteLine($"    at 0 nA from rest (cells at −60 / −45 mV, 12 s after 4 s): {figures} => {(met ? "meets" : "misses")} the 0 nA bar");
                }

                if (result.Cells is { } cells)
                {
                    AtZeroCurrent cellsAtZero = ModelAtZeroCurrent(cells, uncoupledAtZero?.Bursts?[0].GapMs);
                    output.WriteLine($"    the cells as fitted alone, uncoupled at 0 nA: {cellsAtZero} (the uncoupled cells: {uncoupledAtZero})");
                    output.WriteLine($"    {CellsUnderConstantCurrent(cells, uncoupledClasses!)}");
                }

                output.WriteLine($"    {SlowErrorBudget(network, test, warmup)}");
                output.WriteLine($"    phase {phase} (data {dataPhase}); synaptic r " +
                    string.Join(", ", r.Select(c => $"{c.TruthColumn} {c.PearsonR:0.000}")) +
                    $" => {(rhythmOk ? "meets" : "misses")} the rhythm bar, {(synapsesOk ? "meets" : "misses")} the synaptic bar");
            }

            output.WriteLine($"{kind}: rhythm bar (periods within 10%, circular mean phase 0.5 ± 0.1) met by {rhythm} of {seeds.Length} seeds; " +
                $"synaptic bar (r ≥ 0.8 for both) met by {synapses} of {seeds.Length}" +
                (circuitAtZero is null ? "" : $"; 0 nA bar (anti-phase bursting, both periods within 10% of the circuit's, phase 0.5 ± 0.1 with R ≥ 0.8) met by {spontaneous} of {seeds.Length}"));
        }
    }
}
