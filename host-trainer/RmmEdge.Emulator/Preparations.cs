#nullable enable
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Emulator;

/// <summary>What the board's amplifier is connected to.</summary>
public interface IPreparation
{
    /// <summary>True when the ADC reads a current (emulator mode: the amplifier's command), false for a membrane potential.</summary>
    bool InputIsCurrent { get; }

    /// <summary>The signal at the amplifier's output now: mV, or nA when <see cref="InputIsCurrent"/>.</summary>
    double Measured { get; }

    /// <summary>What the board drives: injected nA into the cell, or the emulated mV.</summary>
    double Output { get; set; }

    /// <summary>Integrates the preparation up to <paramref name="timeMs"/> with the output held.</summary>
    void AdvanceTo(double timeMs);
}

/// <summary>
/// Simulated biology under a dynamic-clamp or hybrid-circuit amplifier: a conductance-based circuit
/// (STG neurons, graded synapses) integrated at its fine step between converter calls; the board's
/// current goes into <see cref="Cell"/> through the amplifier, on top of an optional stimulus. At
/// <see cref="ElectrodeLossAtMs"/> the electrode leaves the cell: the amplifier then reads an open
/// input (+<see cref="OpenInputMv"/>) and the injected current no longer reaches the cell.
/// </summary>
public sealed class CellPreparation : IPreparation
{
    private readonly Circuit _circuit;
    private readonly double[] _injected;
    private double _timeMs;

    public CellPreparation(Circuit circuit, int cell, Func<double, int, double>? stimulusNa = null)
    {
        _circuit = circuit;
        Cell = cell;
        StimulusNa = stimulusNa;
        _injected = new double[circuit.NeuronCount];
    }

    public int Cell { get; }

    /// <summary>Extra current per neuron at a time (nA), e.g. a step protocol; null for none.</summary>
    public Func<double, int, double>? StimulusNa { get; }

    public double ElectrodeLossAtMs { get; init; } = double.PositiveInfinity;

    public double OpenInputMv { get; init; } = 250;

    public bool InputIsCurrent => false;

    public double Measured => _timeMs >= ElectrodeLossAtMs ? OpenInputMv : _circuit.Voltage(Cell);

    public double Output { get; set; }

    public Circuit Circuit => _circuit;

    /// <summary>The true voltages of every neuron, sampled every <see cref="SampleMs"/> (for checking the emulation).</summary>
    public List<double[]> Samples { get; } = new();

    public double SampleMs { get; init; } = 0.1;

    private double _nextSampleMs;

    public void AdvanceTo(double timeMs)
    {
        double fine = _circuit.FineStepMs;
        while (_timeMs + fine <= timeMs + 1e-9)
        {
            for (int i = 0; i < _injected.Length; i++)
            {
                double stimulus = StimulusNa?.Invoke(_timeMs, i) ?? 0;
                bool attached = i == Cell && _timeMs < ElectrodeLossAtMs;
                _injected[i] = stimulus + (attached ? Output : 0);
            }

            // Whole sampling intervals at a time when possible: Circuit.Advance is the fine-step integrator.
            double until = Math.Min(timeMs, _nextSampleMs);
            int steps = Math.Max(1, (int)Math.Floor((until - _timeMs) / fine + 1e-9));
            _circuit.Advance(steps * fine, _injected);
            _timeMs += steps * fine;
            if (_timeMs >= _nextSampleMs - 1e-9)
            {
                Samples.Add(Enumerable.Range(0, _circuit.NeuronCount).Select(_circuit.Voltage).ToArray());
                _nextSampleMs += SampleMs;
            }
        }
    }
}

/// <summary>
/// The neuron-emulator setup: the amplifier's command current (a protocol) goes into the ADC and the
/// board's DAC plays the model neuron's membrane potential, which is recorded.
/// </summary>
public sealed class CommandPreparation(Func<double, double> commandNa) : IPreparation
{
    private double _timeMs;

    public bool InputIsCurrent => true;

    public double Measured => commandNa(_timeMs);

    public double Output { get; set; }

    public void AdvanceTo(double timeMs) => _timeMs = Math.Max(_timeMs, timeMs);
}
