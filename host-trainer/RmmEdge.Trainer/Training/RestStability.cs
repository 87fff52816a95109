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
/// +0.5 and +1 nA), a state teacher forcing never visits.
/// </para>
/// </summary>
internal sealed class RestStability
{
    private readonly NeuronModel _model;
    private readonly double _dtMs;
    private readonly float _scale;
    private readonly float _firingScale;
    private readonly List<(float VoltageMv, float CurrentNa)> _equilibria = [];
    private readonly TeacherForcingProblem _probes;
    private readonly TeacherForcingWorker _worker;
    private readonly float[] _weights;
    private readonly float[][] _states;
    private int _active;

    /// <summary>At most this many equilibria per current in FiresAtNa are penalised (lowest first).</summary>
    public const int MaxEquilibriaPerCurrent = 3;

    public RestStability(TeacherForcingProblem problem, double dtMs, IReadOnlyList<Rest> rests, float weight,
        IReadOnlyList<float>? firesAtNa = null, float firingWeight = 0)
    {
        _model = problem.Model;
        _dtMs = dtMs;
        Rests = rests;
        SlowestFilterMs = _model.Currents.Max(c => c.Bank.Spec.TauMs.Max());
        TauLimitMs = LimitInSlowestFilters * SlowestFilterMs;
        double meanSquare = 0;
        foreach (int k in problem.Samples) { meanSquare += (double)problem.Target(k) * problem.Target(k); }
        _scale = (float)(weight * meanSquare / problem.SampleCount);
        _firingScale = (float)(firingWeight * meanSquare / problem.SampleCount);
        FiresAtNa = firesAtNa ?? [];
        int probes = 2 * (rests.Count + MaxEquilibriaPerCurrent * FiresAtNa.Count);
        _probes = TeacherForcingProblem.Probes(_model, Math.Max(1, probes));
        _worker = new TeacherForcingWorker(_probes);
        _weights = new float[Math.Max(1, probes)];
        _states = _model.Currents.Select(c => new float[c.Bank.Size]).ToArray();
    }

    public IReadOnlyList<Rest> Rests { get; }

    /// <summary>Constant currents (nA) under which the cell fires or bursts: no equilibrium of the model there may be stable.</summary>
    public IReadOnlyList<float> FiresAtNa { get; }

    /// <summary>The model's equilibria under <see cref="FiresAtNa"/> found by the last <see cref="FindEquilibria"/>.</summary>
    public IReadOnlyList<(float VoltageMv, float CurrentNa)> Equilibria => _equilibria;

    /// <summary>Finds the model's equilibria under every current the cell fires at: the linearisation points of the next <see cref="Relinearise"/> calls.</summary>
    public void FindEquilibria()
    {
        _equilibria.Clear();
        foreach (float current in FiresAtNa)
        {
            _equilibria.AddRange(RestLinearisation.Equilibria(_model, current).Take(MaxEquilibriaPerCurrent).Select(v => (v, current)));
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

    /// <summary>The slowest filter time constant of the neuron's banks (ms): the unit of the penalised excess.</summary>
    public double SlowestFilterMs { get; }

    /// <summary>The penalty at the last <see cref="Relinearise"/>.</summary>
    public double Penalty { get; private set; }

    /// <summary>Linearises the model at every rest (and held equilibrium) and sets the probes of the next gradients.</summary>
    public void Relinearise()
    {
        Penalty = 0;
        _active = 0;
        foreach (Rest rest in Rests)
        {
            RestLinearisation linear = RestLinearisation.At(_model, _dtMs, rest.VoltageMv, rest.CurrentNa);
            var w = new double[linear.Size];
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

        foreach ((float voltage, float current) in _equilibria)
        {
            RestLinearisation linear = RestLinearisation.At(_model, _dtMs, voltage, current);
            Complex leading = linear.Eigenvalues.MaxBy(l => l.Magnitude);
            double e = SlowestFilterMs * (1 / TauLimitMs - Math.Log(leading.Magnitude) / _dtMs);
            if (!(e > 0)) { continue; }
            var w = new double[linear.Size];
            Accumulate(w, linear, leading, -2 * e * SlowestFilterMs / (_dtMs * leading.Magnitude));
            AddProbes(linear, w, _firingScale, e * e);
        }
    }

    /// <summary>w += slope · d|λ|/dJ[0, ·].</summary>
    private static void Accumulate(double[] w, RestLinearisation linear, Complex lambda, double slope)
    {
        double[] sensitivity = linear.ModulusSensitivity(lambda);
        for (int k = 0; k < w.Length; k++) { w[k] += slope * sensitivity[k]; }
    }

    /// <summary>Adds scale · penalty, and the two probe states whose gradient difference is its gradient.</summary>
    private void AddProbes(RestLinearisation linear, double[] w, float scale, double penalty)
    {
        if (penalty == 0) { return; }
        Penalty += scale * penalty;

        // J[0, k] = [k = 0] + dt·∂(dv/dt)/∂u_k, so dPenalty/dθ = scale·dt·(d/dε) ∇θ(dv/dt)(u* + ε w) at ε = 0.
        double reach = 0;
        for (int k = 0; k < w.Length; k++) { reach = Math.Max(reach, Math.Abs(w[k]) / linear.Steps[k]); }
        if (!(reach > 0) || !double.IsFinite(reach)) { return; }
        double epsilon = 1 / reach;
        float coefficient = (float)(scale * _dtMs / (2 * epsilon));
        SetProbe(2 * _active, linear, w, epsilon, linear.CurrentNa);
        SetProbe(2 * _active + 1, linear, w, -epsilon, linear.CurrentNa);
        _weights[2 * _active] = coefficient;
        _weights[2 * _active + 1] = -coefficient;
        _active++;
    }

    /// <summary>Adds the penalty's gradient (at the probes of the last <see cref="Relinearise"/>) to the parameters' gradients.</summary>
    public void AddGradient()
    {
        if (_active == 0) { return; }
        _worker.Clear();
        _worker.ProcessWeightedPrediction(_probes.Samples.AsSpan(0, 2 * _active), _weights.AsSpan(0, 2 * _active));
        _worker.AddTo();
    }

    /// <summary>"3 rests (−70.7 mV at 0 nA, …); slowest mode …" for the training log.</summary>
    public string Describe() =>
        (Rests.Count > 0 ? $"{Rests.Count} rest{(Rests.Count == 1 ? "" : "s")} in the training data ({string.Join(", ", Rests)}): modes slower than {TauLimitMs:0} ms penalised" : "") +
        (Rests.Count > 0 && FiresAtNa.Count > 0 ? "; " : "") +
        (FiresAtNa.Count > 0 ? $"the cell fires at {string.Join(", ", FiresAtNa.Select(i => $"{i:+0.00;-0.00} nA"))}: every equilibrium of the model there must grow e-fold within {TauLimitMs:0} ms" : "");

    /// <summary>
    /// The model as it stands, for the log: the largest growth rate of its modes at each rest, and its
    /// equilibria under each current the cell fires at, e.g. "+0.50 nA: −45.0 mV, stable (where it would sit
    /// silent)" or "+0.50 nA: none".
    /// </summary>
    public string Outcome()
    {
        var parts = new List<string>();
        if (Rests.Count > 0)
        {
            parts.Add("the selected model's largest growth rate per rest: " + string.Join(", ", Rests.Select(r =>
                $"{RestLinearisation.At(_model, _dtMs, r.VoltageMv, r.CurrentNa).LargestGrowthRate * 1000:+0.0;-0.0;+0.0} /s")));
        }

        if (FiresAtNa.Count > 0)
        {
            parts.Add("the selected model's equilibria where the cell fires: " + string.Join(", ", FiresAtNa.Select(i =>
            {
                float[] equilibria = RestLinearisation.Equilibria(_model, i);
                return $"{i:+0.00;-0.00} nA: " + (equilibria.Length == 0 ? "none" : string.Join(" / ", equilibria.Select(v =>
                    $"{v:0.0} mV, {(RestLinearisation.At(_model, _dtMs, v, i).LargestGrowthRate > 0 ? "unstable" : "stable (where it would sit silent)")}")));
            })));
        }

        return string.Join("; ", parts);
    }

    private void SetProbe(int k, RestLinearisation linear, double[] w, double epsilon, float current)
    {
        linear.CopyState(out float v, _states);
        v += (float)(epsilon * w[0]);
        int o = 1;
        foreach (float[] x in _states)
        {
            for (int i = 0; i < x.Length; i++) { x[i] += (float)(epsilon * w[o + i]); }
            o += x.Length;
        }

        _probes.SetProbe(k, v, current, _states);
    }
}
