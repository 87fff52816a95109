using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// One loop step, timing aside (its C twin, firmware/native/rmm_loop.c, gives bit-identical outputs):
    /// read every channel's input, let the run's mode (<see cref="ILoopMode"/>: <see cref="NeuronEmulatorMode"/>,
    /// or <see cref="ClampMode"/> for dynamic clamp and hybrid circuits) step the model and apply its
    /// safety rules, then write every output, or make every output safe when the mode stops the loop.
    /// With two channels (<see cref="RunConfiguration.Channels"/>) both inputs are read before the step
    /// and both outputs written after it. Allocation-free after construction.
    /// </summary>
    public sealed class LoopCore
    {
        private readonly StepKernel _kernel;
        private readonly int _channels;
        private readonly ILoopMode _mode;
        private readonly int[] _inputs = new int[RunConfiguration.MaxChannels];
        private readonly int[] _outputs = new int[RunConfiguration.MaxChannels];

        public LoopCore(RmmqModel model, RunConfiguration config)
        {
            _kernel = new StepKernel(model);
            _channels = config.ChannelCount;
            int[] v0 = new int[model.NeuronCount];
            for (int i = 0; i < v0.Length; i++)
            {
                v0[i] = -60 << 16;
            }

            _kernel.Reset(v0);
            long periodNs = (long)config.PeriodUs * 1000;
            int lossSteps = (int)(((long)config.ElectrodeLossMs * 1000000 + periodNs - 1) / periodNs);
            _mode = config.Mode == RunConfiguration.ModeEmulator
                ? (ILoopMode)new NeuronEmulatorMode(_kernel, config, model.NeuronCount)
                : new ClampMode(_kernel, config, model.NeuronCount, lossSteps);
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

        /// <summary>Channel <paramref name="channel"/>'s last input (Q15.16 mV, or nA in the emulator mode; 0 for a channel the run does not use).</summary>
        public int LastInput(int channel)
        {
            return _inputs[channel];
        }

        /// <summary>Channel <paramref name="channel"/>'s last output (Q15.16 nA, or mV in the emulator mode; 0 after a stop and for a channel the run does not use).</summary>
        public int LastOutput(int channel)
        {
            return _outputs[channel];
        }

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
            _inputs[0] = input.ReadQ16();
            _inputs[1] = _channels == 2 ? input2.ReadQ16() : 0;
            if (!_mode.Step(_inputs, _outputs))
            {
                output.WriteSafe();
                if (_channels == 2)
                {
                    output2.WriteSafe();
                }

                StopReason = _mode.StopReason;
                return false;
            }

            output.WriteQ16(_outputs[0]);
            if (_channels == 2)
            {
                output2.WriteQ16(_outputs[1]);
            }

            return true;
        }
    }
}
