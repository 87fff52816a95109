using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// One loop step, timing aside (its C twin, firmware/native/rmm_loop.c, gives bit-identical outputs): read the input, step the model, apply the safety rules, write the
    /// output. Modes: neuron emulator (command current into the output neuron; its model voltage out)
    /// and dynamic clamp / hybrid (the measured neuron's voltage in; the model's current into the
    /// output neuron — a measured cell: a learned conductance, or model synapses from model neurons —
    /// out, −Σψ, clipped to the configured limits). Electrode loss — the measured voltage
    /// outside the valid range for longer than the configured time — stops the loop with the output
    /// at zero. Allocation-free after construction.
    /// </summary>
    public sealed class LoopCore
    {
        private readonly StepKernel _kernel;
        private readonly RunConfiguration _config;
        private readonly int[] _injected;
        private readonly int[] _measured;
        private readonly int _lossSteps;
        private int _outOfRange;

        public LoopCore(RmmqModel model, RunConfiguration config)
        {
            _kernel = new StepKernel(model);
            _config = config;
            _injected = new int[model.NeuronCount];
            _measured = new int[model.NeuronCount];
            int[] v0 = new int[model.NeuronCount];
            for (int i = 0; i < v0.Length; i++)
            {
                v0[i] = -60 << 16;
            }

            _kernel.Reset(v0);
            long periodNs = (long)config.PeriodUs * 1000;
            _lossSteps = (int)(((long)config.ElectrodeLossMs * 1000000 + periodNs - 1) / periodNs);
        }

        /// <summary>Checks a configuration against a model; null if they fit, else the reason.</summary>
        public static string Check(RmmqModel model, RunConfiguration config)
        {
            if (config.OutputNeuron >= model.NeuronCount)
            {
                return "output neuron " + config.OutputNeuron.ToString() + " does not exist in the model";
            }

            if (config.Mode != RunConfiguration.ModeEmulator)
            {
                if (config.MeasuredNeuron >= model.NeuronCount || !model.External[config.MeasuredNeuron])
                {
                    return "the measured neuron must be an external (measured) neuron of the model";
                }

                if (!model.External[config.OutputNeuron])
                {
                    return "in the clamp and hybrid modes the output current goes into a measured (external) neuron";
                }
            }
            else if (model.External[config.OutputNeuron])
            {
                return "an emulated neuron must be a modelled neuron";
            }

            long dtUs = model.DtNs / 1000;
            if (dtUs * 1000 != model.DtNs || dtUs != config.PeriodUs)
            {
                return "the loop period must equal the model's step (" + model.DtNs.ToString() + " ns)";
            }

            return null;
        }

        /// <summary>A neuron's voltage in the model (Q15.16 mV): the model neurons of a hybrid circuit, for telemetry and records.</summary>
        public int Voltage(int neuron)
        {
            return _kernel.Voltages[neuron];
        }

        /// <summary>The last output value (Q15.16).</summary>
        public int Output { get; private set; }

        /// <summary>The last input value (Q15.16).</summary>
        public int Input { get; private set; }

        /// <summary>Set when a safety rule stopped the loop (a <see cref="StopReason"/>).</summary>
        public byte StopReason { get; private set; }

        /// <summary>One step; returns false when the loop must stop (the output is then already safe).</summary>
        public bool Step(ISignalInput input, ISignalOutput output)
        {
            int value = input.ReadQ16();
            Input = value;
            if (_config.Mode == RunConfiguration.ModeEmulator)
            {
                _injected[_config.OutputNeuron] = value;
                _kernel.Step(_injected, _measured);
                Output = _kernel.Voltages[_config.OutputNeuron];
                output.WriteQ16(Output);
                return true;
            }

            if (value < _config.ValidMin || value > _config.ValidMax)
            {
                _outOfRange++;
                if (_outOfRange >= _lossSteps)
                {
                    output.WriteSafe();
                    Output = 0;
                    StopReason = RmmEdge.SharedModel.Protocol.StopReason.ElectrodeLoss;
                    return false;
                }
            }
            else
            {
                _outOfRange = 0;
            }

            _measured[_config.MeasuredNeuron] = value;
            _kernel.Step(_injected, _measured);
            int into = _kernel.CurrentsInto[_config.OutputNeuron];
            int current = into == int.MinValue ? int.MaxValue : -into;   // saturating negation (the C twin does the same)
            if (current < _config.CurrentMin)
            {
                current = _config.CurrentMin;
            }
            else if (current > _config.CurrentMax)
            {
                current = _config.CurrentMax;
            }

            Output = current;
            output.WriteQ16(current);
            return true;
        }
    }
}
