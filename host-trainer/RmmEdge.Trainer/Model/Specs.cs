using RmmEdge.Rig;

namespace RmmEdge.Trainer.Model;

public enum CurrentKind
{
    /// <summary>ψ = s · MLP(normalised [v_post, x]): an unconstrained "lumped" current (nA).</summary>
    Lumped,

    /// <summary>
    /// ψ = g · a(x_act) · b(x_inact) · (v_post − E): a data-driven conductance-based current with a
    /// monotone increasing activation a and (optionally) a monotone decreasing inactivation b.
    /// </summary>
    Gating,
}

/// <summary>
/// One current into a modelled neuron. Its filter bank is driven by the voltage of neuron
/// <see cref="Source"/>: the owner itself for an intrinsic current, another neuron for a synapse.
/// </summary>
/// <param name="Name">Label in reports ("intrinsic", "syn 2→1", "Na", ...).</param>
/// <param name="Kind">Lumped or gating.</param>
/// <param name="Source">Index of the neuron whose voltage drives the bank.</param>
/// <param name="Bank">The bank's time constants and realisation.</param>
/// <param name="Mlp">Lumped: the MLP. Gating: the activation MLP (its first layer is forced Positive).</param>
/// <param name="UsesPostVoltage">Lumped only: whether v_post is an MLP input besides the bank states.</param>
/// <param name="Inactivation">Gating only: the inactivation MLP (first layer forced Negative), or null for none.</param>
/// <param name="ReversalMv">Gating only: reversal potential E (mV).</param>
/// <param name="TrainReversal">Gating only: E trainable, with an L2 pull towards <see cref="ReversalMv"/>.</param>
/// <param name="ConductanceUs">Gating only: initial maximal conductance g (µS).</param>
/// <param name="ActivationFlipped">Gating only: the activation is monotone decreasing (e.g. an H current that activates on hyperpolarisation).</param>
/// <param name="Input">What drives the bank: the source's voltage (the RMM of the paper), or its spike activity.</param>
/// <param name="InputWindowMv">
/// Gating only, diagonal banks only: the voltage range (mV) that the normalised bank states span, in
/// place of the training data's range (null). Outside it the activation sees a saturated input. The
/// authors set it for synapses (−60…−40 mV in their half-centre): a graded synapse releases over a
/// few tens of mV below the spikes, and a data range that reaches the spike peaks spends most of the
/// MLP's input on voltages where the synapse is simply on.
/// </param>
/// <param name="ActivityThresholdMv">Spike activity only: its threshold θ (mV), where σ = 0.5.</param>
/// <param name="ActivitySlopeMv">Spike activity only: its slope k (mV), &gt; 0.</param>
public sealed record CurrentSpec(
    string Name,
    CurrentKind Kind,
    int Source,
    FilterBankSpec Bank,
    MlpSpec Mlp,
    bool UsesPostVoltage = true,
    MlpSpec? Inactivation = null,
    double ReversalMv = 0,
    bool TrainReversal = false,
    double ConductanceUs = 1,
    bool ActivationFlipped = false,
    BankInput Input = BankInput.Voltage,
    MvRange? InputWindowMv = null,
    double ActivityThresholdMv = CurrentSpec.SpikeThresholdMv,
    double ActivitySlopeMv = CurrentSpec.SpikeSlopeMv)
{
    /// <summary>Spike activity by default: a logistic of the voltage around this threshold (mV) …</summary>
    public const double SpikeThresholdMv = -20;

    /// <summary>… with this slope (mV): ≈0 below −35 mV, ≈1 at a spike's peak.</summary>
    public const double SpikeSlopeMv = 3;

    /// <summary>The value that drives the bank for a source voltage <paramref name="v"/> (mV).</summary>
    public float Drive(float v) => Input == BankInput.Voltage ? v : SpikeActivity(v, ActivityThresholdMv, ActivitySlopeMv);

    /// <summary>Spike activity σ((v − θ)/k) of a voltage <paramref name="v"/> (mV): ≈0 between spikes, ≈1 at a spike's peak.</summary>
    public static float SpikeActivity(float v, double thresholdMv = SpikeThresholdMv, double slopeMv = SpikeSlopeMv) =>
        1f / (1f + MathF.Exp(((float)thresholdMv - v) / (float)slopeMv));
}

/// <summary>A voltage range in mV, <see cref="Low"/> below <see cref="High"/>.</summary>
public sealed record MvRange(double Low, double High);

/// <summary>What drives a current's filter bank.</summary>
public enum BankInput
{
    /// <summary>The source neuron's voltage (mV): the RMM of the paper.</summary>
    Voltage,

    /// <summary>
    /// The source's spike activity σ((v − θ)/k), by default θ = −20 mV and k = 3 mV (the current's
    /// ActivityThresholdMv and ActivitySlopeMv), so the bank's slow states count recent spikes, as a
    /// cell's calcium does, or as transmitter release follows presynaptic spikes (linear filters of v
    /// barely see brief spikes). Teacher forcing, multiple shooting and the compiler (.rmmq version 2)
    /// support it.
    /// </summary>
    SpikeActivity,
}

/// <summary>
/// A neuron of the network. External neurons are measured, not simulated: their voltage is an input
/// (a biological cell in a hybrid circuit, an unmodelled presynaptic neuron).
/// </summary>
/// <param name="Name">Label.</param>
/// <param name="External">Measured, not modelled.</param>
/// <param name="Currents">Currents into this neuron (intrinsic and synaptic); empty for external neurons.</param>
/// <param name="LeakConductanceUs">Initial ohmic leak conductance g_L (µS).</param>
/// <param name="LeakReversalMv">Initial leak reversal E_L (mV).</param>
/// <param name="CapacitanceNf">Initial membrane capacitance c (nF); c⁻¹ is trained through a softplus.</param>
public sealed record NeuronSpec(
    string Name,
    bool External = false,
    CurrentSpec[]? Currents = null,
    double LeakConductanceUs = 0.03,
    double LeakReversalMv = -50,
    double CapacitanceNf = 1);

/// <summary>A whole network: its step dt (ms), neurons, and the ridge weight ρ.</summary>
public sealed record NetworkSpec(double DtMs, NeuronSpec[] Neurons, float Ridge = 1.5e-3f)
{
    /// <summary>
    /// A single neuron after the authors' LP model: one orthonormal bank of 36 time constants
    /// 0.05·1.3^i ms (0.05–486 ms), a lumped MLP on [v, x] (tanh, no output bias), an ohmic leak and a
    /// trainable capacitance. The MLP is 37→20→20→20→1 by default (the width of the authors' HCO
    /// intrinsic current): on the STG neuron the LP width 10 left spikes per burst 3–8 too high in free
    /// run. Pass hidden [10, 10, 10] for the exact LP size.
    /// </summary>
    public static NetworkSpec SingleNeuron(double dtMs, int[]? hidden = null, double[]? tauMs = null) => new(dtMs,
    [
        new NeuronSpec("neuron", Currents:
        [
            new CurrentSpec("intrinsic", CurrentKind.Lumped, 0,
                new FilterBankSpec(FilterKind.Orthonormal, tauMs ?? FilterBankSpec.Geometric(0.05, 1.3, 0, 35)),
                new MlpSpec(hidden ?? [20, 20, 20])),
        ]),
    ]);

    /// <summary>
    /// Two neurons coupled both ways (a half-centre oscillator, or any pair): each neuron has the
    /// intrinsic current of <see cref="SingleNeuron"/> and a conductance-based synapse from the other,
    /// g·a(x)·(v − E) with a monotone increasing a of the presynaptic voltage filtered by a diagonal
    /// bank of time constants 0.5·2^i ms (0.5–256 ms: the fast rise and the ~100 ms decay of graded
    /// STG synapses), E = <paramref name="synapseReversalMv"/> (−80 mV: inhibitory). With
    /// <paramref name="externalSecond"/> the second neuron is measured, not modelled (a hybrid
    /// circuit's biological cell, or the authors' LP–PD case): it keeps only the model synapse from
    /// neuron 1, whose current the board injects into that cell. With <paramref name="synapseInput"/>
    /// <see cref="BankInput.SpikeActivity"/> the synapses' banks see the presynaptic spike activity
    /// instead: a graded synapse turns on fast in a presynaptic burst and saturates, which a monotone
    /// function of low-passed spike activity follows and one of low-passed voltage barely does (see
    /// <see cref="Training.TrainingConfig.HalfCentre"/> for the figures). With <paramref name="spikeActivity"/>
    /// each modelled neuron also has the spike-activity current of <see cref="SingleNeuronWithActivity"/>
    /// (<see cref="Activity"/>), as the single-neuron recipe does.
    /// </summary>
    public static NetworkSpec Pair(double dtMs, int[]? hidden = null, double synapseReversalMv = -80, bool externalSecond = false, MvRange? synapseWindowMv = null,
        BankInput synapseInput = BankInput.Voltage, double synapseActivityThresholdMv = CurrentSpec.SpikeThresholdMv,
        double synapseActivitySlopeMv = CurrentSpec.SpikeSlopeMv, bool spikeActivity = false)
    {
        CurrentSpec[] Own(int self) => spikeActivity ? [Intrinsic(self, hidden), Activity(self)] : [Intrinsic(self, hidden)];
        CurrentSpec From(int pre) => Synapse(pre, synapseReversalMv, synapseWindowMv, synapseInput, synapseActivityThresholdMv, synapseActivitySlopeMv);
        return new(dtMs,
        [
            new NeuronSpec("neuron1", Currents: [.. Own(0), From(1)]),
            externalSecond
                ? new NeuronSpec("neuron2", External: true, Currents: [From(0)])
                : new NeuronSpec("neuron2", Currents: [.. Own(1), From(0)]),
        ]);
    }

    /// <summary>
    /// A hybrid circuit around a single-neuron model: neuron 0 is "neuron", with the intrinsic current of
    /// <see cref="SingleNeuron"/> (same names, so a trained single-neuron model's parameters carry over
    /// by <see cref="Network.CopyFrom"/>) and a synapse from the cell; neuron 1 is the measured "cell",
    /// receiving a model synapse from neuron 0. The synapses are to be designed (SynapseFit) or trained.
    /// </summary>
    public static NetworkSpec Hybrid(double dtMs, int[]? hidden = null, double synapseReversalMv = -80) => new(dtMs,
    [
        new NeuronSpec("neuron", Currents: [Intrinsic(0, hidden), Synapse(1, synapseReversalMv)]),
        new NeuronSpec("cell", External: true, Currents: [Synapse(0, synapseReversalMv)]),
    ]);

    /// <summary>
    /// Model synapses between two measured cells and nothing else: the classic dynamic-clamp
    /// half-centre (two biological neurons coupled by artificial synapses, a two-channel run). Each
    /// "cell" receives a synapse from the other, to be designed (SynapseFit) or trained.
    /// </summary>
    public static NetworkSpec ClampedPair(double dtMs, double synapseReversalMv = -80) => new(dtMs,
    [
        new NeuronSpec("cell1", External: true, Currents: [Synapse(1, synapseReversalMv)]),
        new NeuronSpec("cell2", External: true, Currents: [Synapse(0, synapseReversalMv)]),
    ]);

    /// <summary>
    /// Experimental: <see cref="SingleNeuron"/> plus a lumped current whose diagonal bank
    /// (1–405 ms) is driven by the neuron's spike activity (<see cref="BankInput.SpikeActivity"/>), with
    /// the voltage as its other input — a spike counter such as calcium is in the cell. Measured on
    /// neuron A (shared/data/synthetic, test file, seeds 1–3; RmmEdge.Bench neuron-a --activity):
    /// with slope weights (SlopeWeightScale 10, InputNoise 0.02) and 200 epochs, burst period within
    /// 10% and spikes per burst within ±1.5 for 3 of 3 clean models (−0.5, −1.9, −3.9%; +0.23, +1.01,
    /// −0.46) and 2 of 3 noisy ones (+3.2% / +2.83 misses; −9.5% / −0.96, −4.5% / −0.16), every free run
    /// keeping 97–109% of the data's spikes — the voltage-only network with the same options: 2 of 6.
    /// With the default options (120 epochs) spikes per burst were right but 4 of 6 free runs skipped a
    /// quarter to a third of the bursts. It compiles to .rmmq version 2 (spike activity by the table sigmoid, its bank in Q1.30).
    /// </summary>
    public static NetworkSpec SingleNeuronWithActivity(double dtMs, int[]? hidden = null) => new(dtMs,
    [
        new NeuronSpec("neuron", Currents:
        [
            Intrinsic(0, hidden),
            Activity(0),
        ]),
    ]);

    /// <summary>
    /// A lumped current of neuron <paramref name="self"/>'s own spike activity, filtered by a diagonal bank of
    /// 1–405 ms, with its voltage as the other input: a spike counter such as calcium is in the cell
    /// (<see cref="SingleNeuronWithActivity"/>).
    /// </summary>
    public static CurrentSpec Activity(int self) => new("activity", CurrentKind.Lumped, self,
        new FilterBankSpec(FilterKind.Diagonal, FilterBankSpec.Geometric(1, 1.35, 0, 21)), new MlpSpec([10, 10]), Input: BankInput.SpikeActivity);

    /// <summary>
    /// Experimental: a single neuron with mechanistic structure after the authors' PD model (PNAS Fig. 4):
    /// a lumped fast current (Na, Kd, A) on an orthonormal bank of 0.5–10 ms and the voltage, beside
    /// conductance-based currents g·a·b·(v − E) with monotone gates on diagonal banks of the base grid
    /// 0.5·1.26^i ms: K (2–256 ms, E −80 mV), Ca (activation and inactivation, 2–256 ms, E +120 mV,
    /// trainable), H (activates on hyperpolarisation, 51–646 ms, E −10 mV, trainable) and a
    /// calcium-activated K driven by spike activity (1–405 ms, E −80 mV), and the ohmic leak. Hidden
    /// widths apply to the fast current; gates have 10 sigmoid units. Measured with the neuron-A recipe's
    /// options (slope weights 10, input noise 0.02, 200 epochs) on five Prinz cells, seeds 1–3
    /// (RmmEdge.Bench generalisation --config): probes never trained on within the bar 22 of 60 against
    /// 18 for single-activity (tonic cells 15 of 24 against 12, bursters 7 of 36 against 6), but
    /// constant-current classes 58 of 90 against 63 and 16-bit runs kept 36 of 60 against 43; its 16-bit
    /// step takes 82 % of a 10 kHz period on the Cortex-M7. So it stays an option.
    /// </summary>
    public static NetworkSpec SingleNeuronMechanistic(double dtMs, int[]? hidden = null)
    {
        FilterBankSpec Diagonal(int from, int to) => new(FilterKind.Diagonal, FilterBankSpec.Geometric(0.5, 1.26, from, to));
        var gate = new MlpSpec([10]);
        return new(dtMs,
        [
            new NeuronSpec("neuron", Currents:
            [
                new CurrentSpec("fast", CurrentKind.Lumped, 0, new FilterBankSpec(FilterKind.Orthonormal, FilterBankSpec.Geometric(0.5, 1.26, 0, 13)),
                    new MlpSpec(hidden ?? [20, 10])),
                new CurrentSpec("K", CurrentKind.Gating, 0, Diagonal(6, 27), gate, ReversalMv: -80, ConductanceUs: 1),
                new CurrentSpec("Ca", CurrentKind.Gating, 0, Diagonal(6, 27), gate, Inactivation: gate, ReversalMv: 120, TrainReversal: true, ConductanceUs: 0.05),
                new CurrentSpec("H", CurrentKind.Gating, 0, Diagonal(20, 31), gate, ReversalMv: -10, TrainReversal: true, ConductanceUs: 0.05, ActivationFlipped: true),
                new CurrentSpec("KCa", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, FilterBankSpec.Geometric(1, 1.35, 0, 21)), gate,
                    ReversalMv: -80, ConductanceUs: 0.5, Input: BankInput.SpikeActivity),
            ]),
        ]);
    }

    /// <summary>The intrinsic lumped current of <see cref="SingleNeuron"/>.</summary>
    public static CurrentSpec Intrinsic(int self, int[]? hidden = null) => new("intrinsic", CurrentKind.Lumped, self,
        new FilterBankSpec(FilterKind.Orthonormal, FilterBankSpec.Geometric(0.05, 1.3, 0, 35)), new MlpSpec(hidden ?? [20, 20, 20]));

    /// <summary>
    /// A conductance-based synapse from neuron <paramref name="pre"/>: g·a(x)·(v − E), a monotone in the
    /// presynaptic voltage filtered at 0.5·2^i ms (0.5–256 ms: the fast rise and ~100 ms decay of graded STG synapses).
    /// </summary>
    public static CurrentSpec Synapse(int pre, double reversalMv = -80, MvRange? windowMv = null, BankInput input = BankInput.Voltage,
        double activityThresholdMv = CurrentSpec.SpikeThresholdMv, double activitySlopeMv = CurrentSpec.SpikeSlopeMv) => new("syn", CurrentKind.Gating, pre,
        new FilterBankSpec(FilterKind.Diagonal, FilterBankSpec.Geometric(0.5, 2, 0, 9)), new MlpSpec([10]),
        ReversalMv: reversalMv, ConductanceUs: 0.05, InputWindowMv: windowMv, Input: input,
        ActivityThresholdMv: activityThresholdMv, ActivitySlopeMv: activitySlopeMv);

    public int ModelledCount => Neurons.Count(n => !n.External);

    /// <summary>The same network with every synapse (a current whose source is another neuron) taken out: the cells alone.</summary>
    public NetworkSpec WithoutSynapses() => this with
    {
        Neurons = Neurons.Select((n, i) => n with { Currents = (n.Currents ?? []).Where(c => c.Source == i).ToArray() }).ToArray(),
    };

    /// <summary>
    /// The same network with every intrinsic bank (a current whose source is its owner) ending at the
    /// slowest time constant ≤ <paramref name="slowestTauMs"/> of its own geometric grid: extended with the
    /// grid's ratio, or cut. Synapse banks are left as they are. The warm-up grows with it (4.6 τ).
    /// </summary>
    public NetworkSpec WithSlowestTau(double slowestTauMs)
    {
        NeuronSpec[] neurons = Neurons.Select((n, owner) => n with
        {
            Currents = n.Currents?.Select(c => c.Source != owner || c.Bank.TauMs.Length < 2 ? c
                : c with { Bank = c.Bank with { TauMs = ExtendGrid(c.Bank.TauMs, slowestTauMs) } }).ToArray(),
        }).ToArray();
        return this with { Neurons = neurons };
    }

    /// <summary>
    /// The same network with every intrinsic bank of more than <paramref name="size"/> time constants
    /// resampled to <paramref name="size"/> of them, geometric between its fastest and slowest (the same
    /// span, a coarser grid): the largest lever on a step's cost, since an orthonormal bank's update is
    /// dense. Synapse banks are left as they are.
    /// </summary>
    public NetworkSpec WithIntrinsicBankSize(int size)
    {
        if (size < 2)
        {
            throw new ArgumentException($"intrinsic bank size {size}; expected at least 2 time constants");
        }

        NeuronSpec[] neurons = Neurons.Select((n, owner) => n with
        {
            Currents = n.Currents?.Select(c => c.Source != owner || c.Bank.TauMs.Length <= size ? c
                : c with { Bank = c.Bank with { TauMs = FilterBankSpec.Geometric(c.Bank.TauMs[0], Math.Pow(c.Bank.TauMs[^1] / c.Bank.TauMs[0], 1.0 / (size - 1)), 0, size - 1) } }).ToArray(),
        }).ToArray();
        return this with { Neurons = neurons };
    }

    /// <summary>The number of time constants of the largest intrinsic bank (0 when there is none).</summary>
    public int IntrinsicBankSize => Neurons.SelectMany((n, owner) => (n.Currents ?? []).Where(c => c.Source == owner)).Select(c => c.Bank.TauMs.Length).DefaultIfEmpty(0).Max();

    private static double[] ExtendGrid(double[] tauMs, double slowestTauMs)
    {
        double ratio = tauMs[^1] / tauMs[^2];
        var grid = tauMs.Where(t => t <= slowestTauMs * (1 + 1e-9)).ToList();
        while (grid.Count > 0 && grid[^1] * ratio <= slowestTauMs * (1 + 1e-9))
        {
            grid.Add(grid[^1] * ratio);
        }

        return grid.Count > 0 ? [.. grid] : throw new ArgumentException($"slowest time constant {slowestTauMs} ms is below the bank's fastest, {tauMs[0]} ms");
    }
}

/// <summary>
/// The bounds a network's structure must keep, checked before anything is allocated, so that a model
/// file or a configuration (hostile or mistyped) cannot ask for gigabytes: at most
/// <see cref="MaxNeurons"/> neurons of at most <see cref="MaxCurrentsPerNeuron"/> currents, banks of
/// 1–<see cref="MaxBankSize"/> time constants in (0, <see cref="MaxTauMs"/>] ms, MLPs of
/// 1–<see cref="MaxHiddenLayers"/> hidden layers of 1–<see cref="MaxHiddenWidth"/> units and at most
/// <see cref="MaxParameters"/> weights in all, dt in [<see cref="MinDtMs"/>, <see cref="MaxDtMs"/>] ms,
/// and every physical constant finite. The neuron, bank and current bounds are those of the .rmmq
/// format, so a network that passes can also be compiled.
/// </summary>
public static class SpecLimits
{
    public const int MaxNeurons = 16;
    public const int MaxCurrentsPerNeuron = 16;
    public const int MaxBankSize = 256;
    public const double MaxTauMs = 1e6;
    public const int MaxHiddenLayers = 8;
    public const int MaxHiddenWidth = 1024;
    public const long MaxParameters = 2_000_000;
    public const double MinDtMs = 1e-4;
    public const double MaxDtMs = 100;
    public const int MaxNameLength = 64;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first field out of bounds (as a JSON path).</summary>
    public static void Check(NetworkSpec spec)
    {
        Require(spec.Neurons is not null, "Neurons: missing");
        Require(double.IsFinite(spec.DtMs) && spec.DtMs >= MinDtMs && spec.DtMs <= MaxDtMs,
            $"DtMs: {spec.DtMs}; expected a step between {MinDtMs} and {MaxDtMs} ms");
        Require(spec.Neurons!.Length is >= 1 and <= MaxNeurons, $"Neurons: {spec.Neurons.Length}; expected 1–{MaxNeurons}");
        Require(float.IsFinite(spec.Ridge) && spec.Ridge >= 0, $"Ridge: {spec.Ridge}; expected a finite number ≥ 0");
        long parameters = 0;
        for (int i = 0; i < spec.Neurons.Length; i++)
        {
            NeuronSpec n = spec.Neurons[i];
            string at = $"Neurons[{i}]";
            Require(n is not null, $"{at}: missing");
            Name(n!.Name, $"{at}.Name");
            Finite(n.LeakConductanceUs, $"{at}.LeakConductanceUs");
            Finite(n.LeakReversalMv, $"{at}.LeakReversalMv");
            Require(double.IsFinite(n.CapacitanceNf) && n.CapacitanceNf > 0, $"{at}.CapacitanceNf: {n.CapacitanceNf}; expected a finite capacitance > 0 nF");
            CurrentSpec[] currents = n.Currents ?? [];
            Require(currents.Length <= MaxCurrentsPerNeuron, $"{at}.Currents: {currents.Length}; expected at most {MaxCurrentsPerNeuron}");
            for (int j = 0; j < currents.Length; j++)
            {
                parameters += Current(currents[j], $"{at}.Currents[{j}]{(currents[j]?.Name is string c ? $" ({UserError.Printable(n.Name)}/{UserError.Printable(c)})" : "")}", spec.Neurons.Length);
                Require(parameters <= MaxParameters, $"{at}.Currents[{j}]: the network would have over {MaxParameters:N0} weights");
            }
        }
    }

    private static long Current(CurrentSpec c, string at, int neurons)
    {
        Require(c is not null, $"{at}: missing");
        Name(c!.Name, $"{at}.Name");
        Require(c.Source >= 0 && c.Source < neurons, $"{at}.Source: {c.Source}; expected a neuron index 0–{neurons - 1}");
        Known(c.Kind, $"{at}.Kind");
        Known(c.Input, $"{at}.Input");
        Require(c.Bank is not null && c.Bank.TauMs is not null, $"{at}.Bank: missing time constants");
        Known(c.Bank!.Kind, $"{at}.Bank.Kind");
        double[] tau = c.Bank.TauMs!;
        Require(tau.Length is >= 1 and <= MaxBankSize, $"{at}.Bank.TauMs: {tau.Length} time constants; expected 1–{MaxBankSize}");
        for (int k = 0; k < tau.Length; k++)
        {
            Require(double.IsFinite(tau[k]) && tau[k] > 0 && tau[k] <= MaxTauMs, $"{at}.Bank.TauMs[{k}]: {tau[k]}; expected a time constant in (0, {MaxTauMs:G}] ms");
        }

        foreach ((double value, string field) in new[] { (c.ReversalMv, "ReversalMv"), (c.ConductanceUs, "ConductanceUs"), (c.ActivityThresholdMv, "ActivityThresholdMv"), (c.ActivitySlopeMv, "ActivitySlopeMv") })
        {
            Finite(value, $"{at}.{field}");
        }

        if (c.InputWindowMv is { } window)
        {
            Require(double.IsFinite(window.Low) && double.IsFinite(window.High) && window.Low < window.High,
                $"{at}.InputWindowMv: [{window.Low}, {window.High}]; expected finite Low < High (mV)");
        }

        int inputs = tau.Length + 1;
        long weights = Mlp(c.Mlp, inputs, $"{at}.Mlp");
        return c.Inactivation is null ? weights : weights + Mlp(c.Inactivation, inputs, $"{at}.Inactivation");
    }

    private static long Mlp(MlpSpec? mlp, int inputs, string at)
    {
        Require(mlp is not null && mlp.Hidden is not null, $"{at}: missing hidden layer widths");
        Known(mlp!.HiddenActivation, $"{at}.HiddenActivation");
        Known(mlp.FirstSign, $"{at}.FirstSign");
        Known(mlp.RestSign, $"{at}.RestSign");
        int[] hidden = mlp.Hidden!;
        Require(hidden.Length is >= 1 and <= MaxHiddenLayers, $"{at}.Hidden: {hidden.Length} layers; expected 1–{MaxHiddenLayers}");
        long weights = 0;
        int previous = inputs;
        for (int k = 0; k < hidden.Length; k++)
        {
            Require(hidden[k] is >= 1 and <= MaxHiddenWidth, $"{at}.Hidden[{k}]: {hidden[k]}; expected a width of 1–{MaxHiddenWidth} units");
            weights += (long)previous * hidden[k] + hidden[k];
            previous = hidden[k];
        }

        return weights + previous + 1;
    }

    private static void Name(string? name, string at) =>
        Require(!string.IsNullOrEmpty(name) && name.Length <= MaxNameLength, $"{at}: expected a name of 1–{MaxNameLength} characters");

    private static void Known<T>(T value, string at) where T : struct, Enum =>
        Require(Enum.IsDefined(value), $"{at}: {value}; expected one of {string.Join(", ", Enum.GetNames<T>())}");

    private static void Finite(double value, string at) => Require(double.IsFinite(value), $"{at}: {value}; expected a finite number");

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
