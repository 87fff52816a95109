using System.Numerics;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// A penalty on rests the model would not return to. Teacher forcing fits one step of dv/dt, which
/// says little about whether small deviations from a rest die out: a model can fit every sample of a
/// sweep's resting baseline and still oscillate away from it in free run (BBP C010302A1, issue 22).
/// At every rest the training data shows (<see cref="RestFinder"/>) the model's step map is
/// linearised (<see cref="RestLinearisation"/>), and every mode that decays more slowly than τ*
/// (<see cref="LimitInSlowestFilters"/> slowest filter time constants τ_f), or grows, costs
/// weight · mean(target²) · e², e = τ_f·(ln|λ|/dt + 1/τ*) &gt; 0 (the scale makes the weight
/// independent of the data's units). The linearisation and the eigenvalues' sensitivities are computed once per epoch;
/// the gradient, dt · Σ_k w_k ∂²(dv/dt)/∂θ∂u_k, is the derivative of the model's dv/dt gradient along
/// w, taken by central differences of the worker's gradient at two probe states per rest, every
/// mini-batch.
/// <para>
/// The other side of the same coin: where the cell is known to fire or burst under a constant current
/// (<see cref="FiresAtNa"/>), every equilibrium the model has under that current
/// (<see cref="RestLinearisation.Equilibria"/>, found once per epoch by <see cref="FindEquilibria"/> and held
/// as the linearisation point until the next) must be one it leaves: its leading mode costs
/// firingWeight · mean(target²) · e², e = τ_f·(1/τ* − ln|λ|/dt) &gt; 0, unless it grows e-fold within τ*.
/// A model fitted to a driven record can otherwise sit silent at −45 mV where the cell bursts (neuron A at
/// +0.5 and +1 nA), a state teacher forcing never visits. For a pair (a half-centre that bursts at 0 nA) the
/// equilibria are the circuit's, the current goes into each cell, and each cell's parameters get the share of
/// the gradient that comes through its own voltage row.
/// </para>
/// </summary>
internal sealed class RestStability
{
    private readonly NeuronModel[] _models;
    private readonly double _dtMs;
    private readonly float _scale;
    private readonly float _firingScale;
    private readonly List<(float[] VoltageMv, float CurrentNa)> _equilibria = [];
    private readonly NeuronProbes[] _probes;

    /// <summary>
    /// At most this many equilibria per current in FiresAtNa are penalised: when a model has more, the ones whose leading
    /// mode grows slowest (where it would most likely sit), in the order <see cref="RestLinearisation.Equilibria(IReadOnlyList{NeuronModel}, float)"/> gives.
    /// </summary>
    public const int MaxEquilibriaPerCurrent = 3;

    /// <summary>
    /// The penalty for the neurons of <paramref name="problems"/> (one per modelled neuron; rests need exactly
    /// one, equilibria one or two, <see cref="RestLinearisation.Applies(IReadOnlyList{NeuronModel})"/>). For a pair, an
    /// equilibrium is both neurons' under the same current into each, linearised together.
    /// </summary>
    public RestStability(IReadOnlyList<TeacherForcingProblem> problems, double dtMs, IReadOnlyList<Rest> rests, float weight,
        IReadOnlyList<float>? firesAtNa = null, float firingWeight = 0)
    {
        _models = problems.Select(p => p.Model).ToArray();
        if (rests.Count > 0 && _models.Length != 1)
        {
            throw new ArgumentException("rests are a single neuron's", nameof(rests));
        }

        _dtMs = dtMs;
        Rests = rests;
        SlowestFilterMs = _models.SelectMany(m => m.Currents).Max(c => c.Bank.Spec.TauMs.Max());
        TauLimitMs = LimitInSlowestFilters * SlowestFilterMs;
        double meanSquare = 0;
        long count = 0;
        foreach (TeacherForcingProblem problem in problems)
        {
            foreach (int k in problem.Samples) { meanSquare += (double)problem.Target(k) * problem.Target(k); }
            count += problem.SampleCount;
        }

        _scale = (float)(weight * meanSquare / count);
        _firingScale = (float)(firingWeight * meanSquare / count);
        FiresAtNa = firesAtNa ?? [];
        int probes = Math.Max(1, 2 * (rests.Count + MaxEquilibriaPerCurrent * FiresAtNa.Count));
        _probes = _models.Select(m => new NeuronProbes(m, probes)).ToArray();
    }

    /// <summary>One neuron's probe states, their weights, and the worker that takes the gradient of its dv/dt there.</summary>
    private sealed class NeuronProbes
    {
        public NeuronProbes(NeuronModel model, int count)
        {
            Problem = TeacherForcingProblem.Probes(model, count);
            Worker = new TeacherForcingWorker(Problem);
            Weights = new float[count];
            States = model.Currents.Select(c => new float[c.Bank.Size]).ToArray();
        }

        public TeacherForcingProblem Problem { get; }

        public TeacherForcingWorker Worker { get; }

        public float[] Weights { get; }

        public float[][] States { get; }

        public int Active { get; set; }
    }

    public IReadOnlyList<Rest> Rests { get; }

    /// <summary>Constant currents (nA) under which the cell fires or bursts: no equilibrium of the model there may be stable.</summary>
    public IReadOnlyList<float> FiresAtNa { get; }

    /// <summary>The model's equilibria (a voltage per neuron) under <see cref="FiresAtNa"/> found by the last <see cref="FindEquilibria"/>.</summary>
    public IReadOnlyList<(float[] VoltageMv, float CurrentNa)> Equilibria => _equilibria;

    /// <summary>Finds the model's equilibria under every current the cell fires at: the linearisation points of the next <see cref="Relinearise"/> calls.</summary>
    public void FindEquilibria()
    {
        _equilibria.Clear();
        foreach (float current in FiresAtNa)
        {
            float[][] all = RestLinearisation.Equilibria(_models, current);
            IEnumerable<int> kept = Enumerable.Range(0, all.Length);
            if (all.Length > MaxEquilibriaPerCurrent)
            {
                float[] currents = [.. _models.Select(_ => current)];
                kept = kept.OrderBy(k => RestLinearisation.At(_models, _dtMs, all[k], currents).LargestGrowthRate).Take(MaxEquilibriaPerCurrent).Order();
            }

            _equilibria.AddRange(kept.Select(k => (all[k], current)));
        }
    }

    /// <summary>
    /// τ* in units of the slowest filter time constant. Ten: what is penalised is in effect growth (a
    /// rest that a model leaves on its own); a τ* of twice the slowest filter also penalised the slow,
    /// stable, lightly damped modes a fitted model has by the dozen, and cost the fit more than it gave
    /// (BBP C010302A1, loss 19 → 24–39).
    /// </summary>
    public const double LimitInSlowestFilters = 10;

    /// <summary>τ* (ms): modes that decay more slowly than this are penalised.</summary>
    public double TauLimitMs { get; }

    /// <summary>The slowest filter time constant of the neurons' banks (ms): the unit of the penalised excess.</summary>
    public double SlowestFilterMs { get; }

    /// <summary>The penalty at the last <see cref="Relinearise"/>.</summary>
    public double Penalty { get; private set; }

    /// <summary>Linearises the model at every rest (and held equilibrium) and sets the probes of the next gradients.</summary>
    public void Relinearise()
    {
        Penalty = 0;
        foreach (NeuronProbes p in _probes) { p.Active = 0; }
        foreach (Rest rest in Rests)
        {
            RestLinearisation linear = RestLinearisation.At(_models[0], _dtMs, rest.VoltageMv, rest.CurrentNa);
            double[][] w = Blocks(linear);
            double penalty = 0;
            foreach (Complex lambda in linear.Eigenvalues)
            {
                double e = SlowestFilterMs * (Math.Log(lambda.Magnitude) / _dtMs + 1 / TauLimitMs);
                if (!(e > 0)) { continue; }
                penalty += e * e;
                Accumulate(w, linear, lambda, 2 * e * SlowestFilterMs / (_dtMs * lambda.Magnitude));
            }

            AddProbes(linear, w, _scale, penalty);
        }

        foreach ((float[] voltages, float current) in _equilibria)
        {
            RestLinearisation linear = RestLinearisation.At(_models, _dtMs, voltages, [.. _models.Select(_ => current)]);
            Complex leading = linear.Eigenvalues.MaxBy(l => l.Magnitude);
            double e = SlowestFilterMs * (1 / TauLimitMs - Math.Log(leading.Magnitude) / _dtMs);
            if (!(e > 0)) { continue; }
            double[][] w = Blocks(linear);
            Accumulate(w, linear, leading, -2 * e * SlowestFilterMs / (_dtMs * leading.Magnitude));
            AddProbes(linear, w, _firingScale, e * e);
        }
    }

    private static double[][] Blocks(RestLinearisation linear) => [.. Enumerable.Range(0, linear.NeuronCount).Select(n => new double[linear.BlockSize(n)])];

    /// <summary>w[n] += slope · d|λ|/dJ[v_n, ·] for every neuron n.</summary>
    private static void Accumulate(double[][] w, RestLinearisation linear, Complex lambda, double slope)
    {
        double[][] sensitivity = linear.ModulusSensitivity(lambda);
        for (int n = 0; n < w.Length; n++)
        {
            for (int k = 0; k < w[n].Length; k++) { w[n][k] += slope * sensitivity[n][k]; }
        }
    }

    /// <summary>Adds scale · penalty, and for each neuron the two probe states whose gradient difference is its share of the penalty's gradient.</summary>
    private void AddProbes(RestLinearisation linear, double[][] w, float scale, double penalty)
    {
        if (penalty == 0) { return; }
        Penalty += scale * penalty;

        // J[v_n, k] = [k = v_n] + dt·∂(dv_n/dt)/∂u_k, and only neuron n's parameters reach that row, so
        // dPenalty/dθ_n = scale·dt·(d/dε) ∇θ_n(dv_n/dt)(u*_n + ε w_n) at ε = 0.
        for (int n = 0; n < w.Length; n++)
        {
            int o = linear.Offset(n);
            double reach = 0;
            for (int k = 0; k < w[n].Length; k++) { reach = Math.Max(reach, Math.Abs(w[n][k]) / linear.Steps[o + k]); }
            if (!(reach > 0) || !double.IsFinite(reach)) { continue; }
            double epsilon = 1 / reach;
            float coefficient = (float)(scale * _dtMs / (2 * epsilon));
            NeuronProbes p = _probes[n];
            SetProbe(p, 2 * p.Active, linear, n, w[n], epsilon);
            SetProbe(p, 2 * p.Active + 1, linear, n, w[n], -epsilon);
            p.Weights[2 * p.Active] = coefficient;
            p.Weights[2 * p.Active + 1] = -coefficient;
            p.Active++;
        }
    }

    /// <summary>Adds the penalty's gradient (at the probes of the last <see cref="Relinearise"/>) to the parameters' gradients.</summary>
    public void AddGradient()
    {
        foreach (NeuronProbes p in _probes)
        {
            if (p.Active == 0) { continue; }
            p.Worker.Clear();
            p.Worker.ProcessWeightedPrediction(p.Problem.Samples.AsSpan(0, 2 * p.Active), p.Weights.AsSpan(0, 2 * p.Active));
            p.Worker.AddTo();
        }
    }

    /// <summary>"3 rests (−70.7 mV at 0 nA, …); slowest mode …" for the training log.</summary>
    public string Describe() =>
        (Rests.Count > 0 ? $"{Rests.Count} rest{(Rests.Count == 1 ? "" : "s")} in the training data ({string.Join(", ", Rests)}): modes slower than {TauLimitMs:0} ms penalised" : "") +
        (Rests.Count > 0 && FiresAtNa.Count > 0 ? "; " : "") +
        (FiresAtNa.Count > 0 ? $"the {(_models.Length == 1 ? "cell fires" : "circuit fires")} at {string.Join(", ", FiresAtNa.Select(i => $"{i:+0.00;-0.00} nA"))}" +
            $"{(_models.Length == 1 ? "" : " into each cell")}: every equilibrium of the model there must grow e-fold within {TauLimitMs:0} ms" : "");

    /// <summary>
    /// The model as it stands, for the log: the largest growth rate of its modes at each rest, and its
    /// equilibria under each current the cell fires at, e.g. "+0.50 nA: −45.0 mV, stable (where it would sit
    /// silent)" or "+0.50 nA: none" (a pair's as "−52.1 / −48.3 mV").
    /// </summary>
    public string Outcome()
    {
        var parts = new List<string>();
        if (Rests.Count > 0)
        {
            parts.Add("the selected model's largest growth rate per rest: " + string.Join(", ", Rests.Select(r =>
                $"{RestLinearisation.At(_models[0], _dtMs, r.VoltageMv, r.CurrentNa).LargestGrowthRate * 1000:+0.0;-0.0;+0.0} /s")));
        }

        if (FiresAtNa.Count > 0)
        {
            parts.Add("the selected model's equilibria where the cell fires: " + string.Join(", ", FiresAtNa.Select(i =>
            {
                float[][] equilibria = RestLinearisation.Equilibria(_models, i);
                return $"{i:+0.00;-0.00} nA: " + (equilibria.Length == 0 ? "none" : string.Join(" / ", equilibria.Select(v =>
                    $"{string.Join(" / ", v.Select(x => $"{x:0.0}"))} mV, " +
                    $"{(RestLinearisation.At(_models, _dtMs, v, [.. v.Select(_ => i)]).LargestGrowthRate > 0 ? "unstable" : "stable (where it would sit silent)")}")));
            })));
        }

        return string.Join("; ", parts);
    }

    private static void SetProbe(NeuronProbes p, int k, RestLinearisation linear, int neuron, double[] w, double epsilon)
    {
        linear.CopyState(neuron, out float v, p.States);
        v += (float)(epsilon * w[0]);
        int o = 1;
        foreach (float[] x in p.States)
        {
            for (int i = 0; i < x.Length; i++) { x[i] += (float)(epsilon * w[o + i]); }
            o += x.Length;
        }

        p.Problem.SetProbe(k, v, linear.CurrentNa[neuron], p.States);
    }
}
