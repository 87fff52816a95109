using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Limited-memory BFGS (Nocedal &amp; Wright 2006, Algorithms 7.4 and 7.5) on a deterministic loss: the two-loop
/// recursion over the last <see cref="Memory"/> steps and gradient changes, and a backtracking line search
/// that halves the step until the loss falls by the Armijo fraction of the predicted decrease. The iterate is
/// held in double, and each trial point is rounded to the float parameter values the loss sees, so the
/// steps and gradient changes in the memory are those of points the loss was actually evaluated at. It stops
/// when an iteration lowers the loss by no more than <see cref="RelativeTolerance"/> of itself (SciPy's L-BFGS-B
/// rule, ftol): past that point the loss, computed in float, falls only by its own rounding, and the line
/// search spends twenty halvings an iteration finding steps of 10⁻⁷ that change nothing. Reads each
/// parameter's Grad, writes its Value; deterministic.
/// </summary>
public sealed class Lbfgs
{
    /// <summary>Step and gradient-change pairs kept for the curvature estimate.</summary>
    public const int Memory = 20;

    /// <summary>Armijo fraction: a trial step is taken when the loss falls by at least this share of the linear prediction.</summary>
    public const double SufficientDecrease = 1e-4;

    /// <summary>Halvings of the step tried before the line search gives up.</summary>
    public const int MaxHalvings = 30;

    /// <summary>
    /// Convergence: an iteration that lowers the loss by at most this share of it, (f − f⁺) / max(|f|, |f⁺|),
    /// is the last (unless its step came from an empty memory, whose length is <see cref="FirstStepLength"/>).
    /// SciPy's default for L-BFGS-B (factr 10⁷ times the double epsilon, 2.2·10⁻⁹); SciPy divides by at least 1,
    /// which would stop a loss below 1 by an absolute rule, so here it is relative at every scale.
    /// </summary>
    public const double RelativeTolerance = 2.220446049250313e-9;

    /// <summary>
    /// Length (in the parameters' own units) of the first step and of a step after the memory is reset, when
    /// there is no curvature yet to scale it: small against the weights of a trained network, so the first
    /// trial is not a leap out of the basin the optimiser before it found.
    /// </summary>
    public const double FirstStepLength = 1e-4;

    private readonly Parameter[] _parameters;
    private readonly Func<double> _loss;
    private readonly int _size;
    private readonly double[] _x, _g, _trial, _trialGradient, _direction, _alpha;
    private readonly List<(double[] S, double[] Y, double Rho)> _pairs = [];

    /// <param name="parameters">What the loss depends on and the search moves.</param>
    /// <param name="loss">The loss at the parameters' current values; it fills their Grad, which is cleared before each call.</param>
    public Lbfgs(IEnumerable<Parameter> parameters, Func<double> loss)
    {
        _parameters = parameters.ToArray();
        _loss = loss;
        _size = _parameters.Sum(p => p.Size);
        _x = new double[_size];
        _g = new double[_size];
        _trial = new double[_size];
        _trialGradient = new double[_size];
        _direction = new double[_size];
        _alpha = new double[Memory];
        Read(_x, p => p.Value);
        Loss = Evaluate(_x, _g);
    }

    /// <summary>The loss at the current iterate.</summary>
    public double Loss { get; private set; }

    /// <summary>Loss evaluations so far, the first included.</summary>
    public int Evaluations { get; private set; }

    /// <summary>
    /// Why the last <see cref="Iterate"/> returned false: true when its step lowered the loss by no more than
    /// <see cref="RelativeTolerance"/> (converged; the step was taken), false when no step lowered it at all.
    /// </summary>
    public bool Converged { get; private set; }

    /// <summary>
    /// One iteration: a search direction from the memory, then a step along it that lowers the loss. Returns
    /// false, with the parameters left at the current iterate, when the search is over: the step lowered the
    /// loss by no more than <see cref="RelativeTolerance"/> (<see cref="Converged"/>), or no halving of the step
    /// lowered it at all (a loss too rough to descend).
    /// </summary>
    public bool Iterate()
    {
        Converged = false;
        Direction();
        double slope = Dot(_g, _direction);
        if (!(slope < 0))
        {
            // The memory's curvature estimate points uphill: start again from steepest descent.
            _pairs.Clear();
            Direction();
            slope = Dot(_g, _direction);
        }

        // A step from an empty memory has the arbitrary FirstStepLength, so its decrease says nothing of convergence.
        bool scaledByCurvature = _pairs.Count > 0;
        double step = 1;
        for (int halving = 0; halving <= MaxHalvings; halving++, step *= 0.5)
        {
            for (int i = 0; i < _size; i++) { _trial[i] = (float)(_x[i] + step * _direction[i]); }
            double loss = Evaluate(_trial, _trialGradient);
            if (double.IsFinite(loss) && loss <= Loss + SufficientDecrease * step * slope)
            {
                double decrease = Loss - loss <= 0 ? 0 : (Loss - loss) / Math.Max(Math.Abs(Loss), Math.Abs(loss));
                Accept(_trialGradient, loss);
                Converged = scaledByCurvature && decrease <= RelativeTolerance;
                return !Converged;
            }
        }

        Write(_x);
        return false;
    }

    /// <summary>d = −H·g by the two-loop recursion, H₀ = γI with γ = sᵀy / yᵀy of the newest pair.</summary>
    private void Direction()
    {
        double[] q = _direction;
        Array.Copy(_g, q, _size);
        for (int k = _pairs.Count - 1; k >= 0; k--)
        {
            (double[] s, double[] y, double rho) = _pairs[k];
            _alpha[k] = rho * Dot(s, q);
            for (int i = 0; i < _size; i++) { q[i] -= _alpha[k] * y[i]; }
        }

        double gamma;
        if (_pairs.Count > 0)
        {
            (double[] s, double[] y, _) = _pairs[^1];
            gamma = Dot(s, y) / Dot(y, y);
        }
        else
        {
            gamma = FirstStepLength / Math.Sqrt(Dot(_g, _g));
        }

        for (int i = 0; i < _size; i++) { q[i] *= gamma; }
        for (int k = 0; k < _pairs.Count; k++)
        {
            (double[] s, double[] y, double rho) = _pairs[k];
            double beta = rho * Dot(y, q);
            for (int i = 0; i < _size; i++) { q[i] += (_alpha[k] - beta) * s[i]; }
        }

        for (int i = 0; i < _size; i++) { q[i] = -q[i]; }
    }

    private void Accept(double[] gradient, double loss)
    {
        double[] s = new double[_size], y = new double[_size];
        for (int i = 0; i < _size; i++)
        {
            s[i] = _trial[i] - _x[i];
            y[i] = gradient[i] - _g[i];
        }

        // Keep only pairs with positive curvature, so the implied inverse Hessian stays positive definite.
        double sy = Dot(s, y);
        if (sy > 1e-10 * Math.Sqrt(Dot(s, s) * Dot(y, y)))
        {
            _pairs.Add((s, y, 1 / sy));
            if (_pairs.Count > Memory) { _pairs.RemoveAt(0); }
        }

        Array.Copy(_trial, _x, _size);
        Array.Copy(gradient, _g, _size);
        Loss = loss;
    }

    private double Evaluate(double[] x, double[] gradient)
    {
        Write(x);
        foreach (Parameter p in _parameters) { Array.Clear(p.Grad); }
        double loss = _loss();
        Evaluations++;
        Read(gradient, p => p.Grad);
        return loss;
    }

    private void Write(double[] x)
    {
        int o = 0;
        foreach (Parameter p in _parameters)
        {
            for (int i = 0; i < p.Size; i++) { p.Value[i] = (float)x[o++]; }
        }
    }

    private void Read(double[] into, Func<Parameter, float[]> field)
    {
        int o = 0;
        foreach (Parameter p in _parameters)
        {
            float[] values = field(p);
            for (int i = 0; i < p.Size; i++) { into[o++] = values[i]; }
        }
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) { sum += a[i] * b[i]; }
        return sum;
    }
}
