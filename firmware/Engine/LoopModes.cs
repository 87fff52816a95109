using RmmEdge.SharedModel.Kernel;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// What a closed-loop mode does in one step, between the channels' inputs and their outputs (all
    /// Q15.16): how the inputs enter the model, and what goes out. <see cref="LoopCore"/> reads and writes
    /// the converters around it; firmware/native/rmm_loop.c holds the C twin of each mode.
    /// </summary>
    public interface ILoopMode
    {
        /// <summary>
        /// One step: <paramref name="inputs"/>[c] is channel c's input, <paramref name="outputs"/>[c]
        /// receives what channel c drives. Returns false when a safety rule stops the loop: the outputs are
        /// then zero and <see cref="StopReason"/> says why.
        /// </summary>
        bool Step(int[] inputs, int[] outputs);

        /// <summary>Why <see cref="Step"/> last returned false (a <see cref="SharedModel.Protocol.StopReason"/>).</summary>
        byte StopReason { get; }
    }

    /// <summary>
    /// The neuron emulator: the amplifier's command current (nA) goes into the output neuron, and that
    /// model neuron's membrane potential (mV) comes out.
    /// </summary>
    public sealed class NeuronEmulatorMode : ILoopMode
    {
        private readonly StepKernel _kernel;
        private readonly RunConfiguration _config;
        private readonly int _channels;
        private readonly int[] _injected;
        private readonly int[] _measured;

        public NeuronEmulatorMode(StepKernel kernel, RunConfiguration config, int neurons)
        {
            _kernel = kernel;
            _config = config;
            _channels = config.ChannelCount;
            _injected = new int[neurons];
            _measured = new int[neurons];
        }

        public byte StopReason
        {
            get { return SharedModel.Protocol.StopReason.None; }
        }

        public bool Step(int[] inputs, int[] outputs)
        {
            for (int c = 0; c < _channels; c++)
            {
                _injected[_config.OutputOf(c)] = inputs[c];
            }

            _kernel.Step(_injected, _measured);
            for (int c = 0; c < _channels; c++)
            {
                outputs[c] = _kernel.Voltages[_config.OutputOf(c)];
            }

            return true;
        }
    }

    /// <summary>
    /// Dynamic clamp and hybrid circuit: the measured cell's membrane potential (mV) goes in as the
    /// measured neuron's voltage, and the model's current into the output neuron, −Σψ clipped to the
    /// run's limits, goes out (a learned conductance, or synapses from model neurons). A voltage outside
    /// the valid range for the electrode-loss time on any channel stops the loop with every output zero.
    /// </summary>
    public sealed class ClampMode : ILoopMode
    {
        private readonly StepKernel _kernel;
        private readonly RunConfiguration _config;
        private readonly int _channels;
        private readonly int _lossSteps;
        private readonly int[] _injected;
        private readonly int[] _measured;
        private readonly int[] _outOfRange = new int[RunConfiguration.MaxChannels];
        private byte _stopReason;

        /// <param name="lossSteps">Steps out of the valid range that mean the electrode left the cell.</param>
        public ClampMode(StepKernel kernel, RunConfiguration config, int neurons, int lossSteps)
        {
            _kernel = kernel;
            _config = config;
            _channels = config.ChannelCount;
            _lossSteps = lossSteps;
            _injected = new int[neurons];
            _measured = new int[neurons];
        }

        public byte StopReason
        {
            get { return _stopReason; }
        }

        public bool Step(int[] inputs, int[] outputs)
        {
            bool lost = false;
            for (int c = 0; c < _channels; c++)
            {
                int value = inputs[c];
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
                for (int c = 0; c < _channels; c++)
                {
                    outputs[c] = 0;
                }

                _stopReason = SharedModel.Protocol.StopReason.ElectrodeLoss;
                return false;
            }

            for (int c = 0; c < _channels; c++)
            {
                _measured[_config.MeasuredOf(c)] = inputs[c];
            }

            _kernel.Step(_injected, _measured);
            for (int c = 0; c < _channels; c++)
            {
                outputs[c] = ClippedCurrentInto(_config.OutputOf(c));
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
