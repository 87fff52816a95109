#nullable enable
using RmmEdge.Rig.Neurons;


namespace RmmEdge.Emulator;

/// <summary>What the board's amplifier channels are connected to (one or two).</summary>
public interface IPreparation
{
    /// <summary>True when the ADC reads a current (emulator mode: the amplifier's command), false for a membrane potential.</summary>
    bool InputIsCurrent { get; }

    /// <summary>Amplifier channels: 1, or 2 for two cells.</summary>
    int Channels { get; }

    /// <summary>The signal at a channel's amplifier output now: mV, or nA when <see cref="InputIsCurrent"/>.</summary>
    double Measured(int channel);

    /// <summary>Sets what the board drives on a channel: injected nA into the cell, or the emulated mV.</summary>
    void SetOutput(int channel, double value);

    /// <summary>Integrates the preparation up to <paramref name="timeMs"/> with the outputs held.</summary>
    void AdvanceTo(double timeMs);
}

/// <summary>
/// Simulated biology under a dynamic-clamp or hybrid-circuit amplifier: a conductance-based circuit
/// (STG neurons, graded synapses) integrated at its fine step between converter calls; the board's
/// current on channel c goes into neuron <see cref="Cells"/>[c] through the amplifier, on top of an
/// optional stimulus. At <see cref="ElectrodeLossAtMs"/> the electrode of channel
/// <see cref="ElectrodeLossChannel"/> leaves its cell: the amplifier then reads an open input
/// (+<see cref="OpenInputMv"/>) and that channel's current no longer reaches the cell.
/// </summary>
public sealed class CellPreparation : IPreparation
{
    private readonly Circuit _circuit;
    private readonly double[] _injected;
    private readonly double[] _outputs;
    private double _timeMs;

    public CellPreparation(Circuit circuit, int cell, Func<double, int, double>? stimulusNa = null)
        : this(circuit, [cell], stimulusNa)
    {
    }

    /// <param name="cells">The circuit neuron on each amplifier channel (one or two, distinct).</param>
    public CellPreparation(Circuit circuit, int[] cells, Func<double, int, double>? stimulusNa = null)
    {
        if (cells.Length is < 1 or > 2 || cells.Distinct().Count() != cells.Length || cells.Any(c => c < 0 || c >= circuit.NeuronCount))
        {
            throw new ArgumentException("one or two distinct neurons of the circuit", nameof(cells));
        }

        _circuit = circuit;
        Cells = cells;
        StimulusNa = stimulusNa;
        _injected = new double[circuit.NeuronCount];
        _outputs = new double[cells.Length];
    }

    public int[] Cells { get; }

    public int Channels => Cells.Length;

    /// <summary>Extra current per neuron at a time (nA), e.g. a step protocol; null for none.</summary>
    public Func<double, int, double>? StimulusNa { get; }

    public double ElectrodeLossAtMs { get; init; } = double.PositiveInfinity;

    public int ElectrodeLossChannel { get; init; }

    public double OpenInputMv { get; init; } = 250;

    public bool InputIsCurrent => false;

    public double Measured(int channel) => Lost(channel) ? OpenInputMv : _circuit.Voltage(Cells[channel]);

    public void SetOutput(int channel, double value) => _outputs[channel] = value;

    /// <summary>The current the board last set on a channel (nA).</summary>
    public double Output(int channel) => _outputs[channel];

    private bool Lost(int channel) => channel == ElectrodeLossChannel && _timeMs >= ElectrodeLossAtMs;

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
                _injected[i] = StimulusNa?.Invoke(_timeMs, i) ?? 0;
            }

            for (int c = 0; c < Cells.Length; c++)
            {
                _injected[Cells[c]] += Lost(c) ? 0 : _outputs[c];
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

    public int Channels => 1;

    public double Measured(int channel) => commandNa(_timeMs);

    /// <summary>The emulated membrane potential the board last played (mV).</summary>
    public double Output { get; private set; }

    public void SetOutput(int channel, double value) => Output = value;

    public void AdvanceTo(double timeMs) => _timeMs = Math.Max(_timeMs, timeMs);
}
