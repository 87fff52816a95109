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
    /// at zero. With two channels (<see cref="RunConfiguration.Channels"/>) both inputs are read before
    /// the step and both outputs written after it, each under the same rules; either channel's electrode
    /// loss stops the loop with both outputs safe. Allocation-free after construction.
    /// </summary>
    public sealed class LoopCore
    {
        private readonly StepKernel _kernel;
        private readonly RunConfiguration _config;
        private readonly int _channels;
        private readonly int[] _injected;
        private readonly int[] _measured;
        private readonly int[] _outOfRange = new int[RunConfiguration.MaxChannels];
        private readonly int[] _values = new int[RunConfiguration.MaxChannels];
        private readonly int _lossSteps;

        public LoopCore(RmmqModel model, RunConfiguration config)
        {
            _kernel = new StepKernel(model);
            _config = config;
            _channels = config.ChannelCount;
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
            for (int c = 0; c < config.ChannelCount; c++)
            {
                string problem = CheckChannel(model, config.Mode, config.MeasuredOf(c), config.OutputOf(c));
                if (problem != null)
                {
                    return config.ChannelCount == 1 ? problem : "channel " + (c + 1).ToString() + ": " + problem;
                }
            }

            if (config.ChannelCount == 2)
            {
                if (config.OutputNeuron == config.OutputNeuron2)
                {
                    return "the two channels have the same output neuron";
                }

                if (config.Mode != RunConfiguration.ModeEmulator && config.MeasuredNeuron == config.MeasuredNeuron2)
                {
                    return "the two channels measure the same neuron";
                }
            }

            long dtUs = model.DtNs / 1000;
            if (dtUs * 1000 != model.DtNs || dtUs != config.PeriodUs)
            {
                return "the loop period must equal the model's step (" + model.DtNs.ToString() + " ns)";
            }

            return null;
        }

        private static string CheckChannel(RmmqModel model, byte mode, int measured, int output)
        {
            if (output >= model.NeuronCount)
            {
                return "output neuron " + output.ToString() + " does not exist in the model";
            }

            if (mode != RunConfiguration.ModeEmulator)
            {
                if (measured >= model.NeuronCount || !model.External[measured])
                {
                    return "the measured neuron must be an external (measured) neuron of the model";
                }

                if (!model.External[output])
                {
                    return "in the clamp and hybrid modes the output current goes into a measured (external) neuron";
                }
            }
            else if (model.External[output])
            {
                return "an emulated neuron must be a modelled neuron";
            }

            return null;
        }

        /// <summary>A neuron's voltage in the model (Q15.16 mV): the model neurons of a hybrid circuit, for telemetry and records.</summary>
        public int Voltage(int neuron)
        {
            return _kernel.Voltages[neuron];
        }

        /// <summary>The last output value of channel 1 (Q15.16).</summary>
        public int Output { get; private set; }

        /// <summary>The last input value of channel 1 (Q15.16).</summary>
        public int Input { get; private set; }

        /// <summary>The last output value of channel 2 (Q15.16; 0 with one channel).</summary>
        public int Output2 { get; private set; }

        /// <summary>The last input value of channel 2 (Q15.16; 0 with one channel).</summary>
        public int Input2 { get; private set; }

        /// <summary>Set when a safety rule stopped the loop (a <see cref="StopReason"/>).</summary>
        public byte StopReason { get; private set; }

        /// <summary>One step on one channel; returns false when the loop must stop (the output is then already safe).</summary>
        public bool Step(ISignalInput input, ISignalOutput output)
        {
            return Step(input, output, null, null);
        }

        /// <summary>
        /// One step; <paramref name="input2"/> and <paramref name="output2"/> serve the second channel
        /// (ignored with one). Returns false when the loop must stop (the outputs are then already safe).
        /// </summary>
        public bool Step(ISignalInput input, ISignalOutput output, ISignalInput input2, ISignalOutput output2)
        {
            _values[0] = input.ReadQ16();
            _values[1] = _channels == 2 ? input2.ReadQ16() : 0;
            Input = _values[0];
            Input2 = _values[1];
            if (_config.Mode == RunConfiguration.ModeEmulator)
            {
                for (int c = 0; c < _channels; c++)
                {
                    _injected[_config.OutputOf(c)] = _values[c];
                }

                _kernel.Step(_injected, _measured);
                Output = _kernel.Voltages[_config.OutputNeuron];
                output.WriteQ16(Output);
                if (_channels == 2)
                {
                    Output2 = _kernel.Voltages[_config.OutputNeuron2];
                    output2.WriteQ16(Output2);
                }

                return true;
            }

            bool lost = false;
            for (int c = 0; c < _channels; c++)
            {
                int value = _values[c];
                if (value < _config.ValidMin || value > _config.ValidMax)
                {
                    _outOfRange[c]++;
                    lost |= _outOfRange[c] >= _lossSteps;
                }
                else
                {
                    _outOfRange[c] = 0;
                }
            }

            if (lost)
            {
                output.WriteSafe();
                Output = 0;
                if (_channels == 2)
                {
                    output2.WriteSafe();
                    Output2 = 0;
                }

                StopReason = RmmEdge.SharedModel.Protocol.StopReason.ElectrodeLoss;
                return false;
            }

            for (int c = 0; c < _channels; c++)
            {
                _measured[_config.MeasuredOf(c)] = _values[c];
            }

            _kernel.Step(_injected, _measured);
            Output = ClippedCurrentInto(_config.OutputNeuron);
            output.WriteQ16(Output);
            if (_channels == 2)
            {
                Output2 = ClippedCurrentInto(_config.OutputNeuron2);
                output2.WriteQ16(Output2);
            }

            return true;
        }

        /// <summary>The model's current into a measured neuron, −Σψ, clipped to the configured limits.</summary>
        private int ClippedCurrentInto(int neuron)
        {
            int into = _kernel.CurrentsInto[neuron];
            int current = into == int.MinValue ? int.MaxValue : -into;   // saturating negation (the C twin does the same)
            if (current < _config.CurrentMin)
            {
                current = _config.CurrentMin;
            }
            else if (current > _config.CurrentMax)
            {
                current = _config.CurrentMax;
            }

            return current;
        }
    }
}
