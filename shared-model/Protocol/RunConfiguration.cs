namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>
    /// How to run the loop (the Start command): mode, engine, period, I/O map and safety limits.
    /// Voltages in Q15.16 mV, currents in Q15.16 nA, as in the kernel.
    /// </summary>
    public sealed class RunConfiguration
    {
        /// <summary>Neuron emulator: measured command current in, model voltage out.</summary>
        public const byte ModeEmulator = 1;

        /// <summary>Dynamic clamp: measured membrane voltage in, model current out.</summary>
        public const byte ModeDynamicClamp = 2;

        /// <summary>Hybrid circuit: model neurons coupled to measured neurons through model synapses.</summary>
        public const byte ModeHybrid = 3;

        public const int EncodedSize = 34;

        public byte Mode;
        public byte Engine;
        public uint PeriodUs;

        /// <summary>Output current is clipped to [CurrentMin, CurrentMax] every step.</summary>
        public int CurrentMin;
        public int CurrentMax;

        /// <summary>A measured voltage outside [ValidMin, ValidMax] for longer than <see cref="ElectrodeLossMs"/> means the electrode is lost.</summary>
        public int ValidMin;
        public int ValidMax;
        public ushort ElectrodeLossMs;

        /// <summary>This many overruns in a row stop the loop with the output at zero.</summary>
        public ushort OverrunStreak;

        /// <summary>Which model neuron is the measured (external) cell, and which neuron's current goes out (channel 1).</summary>
        public byte MeasuredNeuron;
        public byte OutputNeuron;

        /// <summary>
        /// Converter channels in use: 1 (0 reads as 1), or 2 for a second measured cell / output — two
        /// biological neurons in a hybrid circuit, or two command currents into a model circuit.
        /// </summary>
        public byte Channels;

        /// <summary>The second channel's measured neuron and output neuron (used when <see cref="Channels"/> is 2).</summary>
        public byte MeasuredNeuron2;
        public byte OutputNeuron2;

        public const int MaxChannels = 2;

        /// <summary>Channels in use: 1 or 2.</summary>
        public int ChannelCount
        {
            get { return Channels == 2 ? 2 : 1; }
        }

        /// <summary>The measured neuron of channel 0 or 1.</summary>
        public int MeasuredOf(int channel)
        {
            return channel == 0 ? MeasuredNeuron : MeasuredNeuron2;
        }

        /// <summary>The output neuron of channel 0 or 1.</summary>
        public int OutputOf(int channel)
        {
            return channel == 0 ? OutputNeuron : OutputNeuron2;
        }

        /// <summary>Send a telemetry frame every this many steps (0: none).</summary>
        public ushort TelemetryEvery;

        /// <summary>
        /// Supervised run: the board stops the loop (output safe, reason <see cref="StopReason.HostSilent"/>)
        /// when no valid frame has come from the host for this many tenths of a second. 0: a standalone
        /// run, which keeps going whatever the host does.
        /// </summary>
        public byte HostTimeoutTenths;

        public int Encode(byte[] b, int at)
        {
            b[at] = Mode;
            b[at + 1] = Engine;
            Bytes.PutU32(b, at + 2, PeriodUs);
            Bytes.PutI32(b, at + 6, CurrentMin);
            Bytes.PutI32(b, at + 10, CurrentMax);
            Bytes.PutI32(b, at + 14, ValidMin);
            Bytes.PutI32(b, at + 18, ValidMax);
            Bytes.PutU16(b, at + 22, ElectrodeLossMs);
            Bytes.PutU16(b, at + 24, OverrunStreak);
            b[at + 26] = MeasuredNeuron;
            b[at + 27] = OutputNeuron;
            Bytes.PutU16(b, at + 28, TelemetryEvery);
            b[at + 30] = Channels;
            b[at + 31] = MeasuredNeuron2;
            b[at + 32] = OutputNeuron2;
            b[at + 33] = HostTimeoutTenths;
            return EncodedSize;
        }

        /// <summary>Decodes a Start payload; null if malformed or inconsistent (the reason in <paramref name="problem"/>).</summary>
        public static RunConfiguration Decode(byte[] b, int at, int count, out string problem)
        {
            problem = null;
            if (count < EncodedSize)
            {
                problem = "start payload of " + count.ToString() + " bytes, expected " + EncodedSize.ToString();
                return null;
            }

            RunConfiguration c = new RunConfiguration();
            c.Mode = b[at];
            c.Engine = b[at + 1];
            c.PeriodUs = Bytes.GetU32(b, at + 2);
            c.CurrentMin = Bytes.GetI32(b, at + 6);
            c.CurrentMax = Bytes.GetI32(b, at + 10);
            c.ValidMin = Bytes.GetI32(b, at + 14);
            c.ValidMax = Bytes.GetI32(b, at + 18);
            c.ElectrodeLossMs = (ushort)Bytes.GetU16(b, at + 22);
            c.OverrunStreak = (ushort)Bytes.GetU16(b, at + 24);
            c.MeasuredNeuron = b[at + 26];
            c.OutputNeuron = b[at + 27];
            c.TelemetryEvery = (ushort)Bytes.GetU16(b, at + 28);
            c.Channels = b[at + 30];
            c.MeasuredNeuron2 = b[at + 31];
            c.OutputNeuron2 = b[at + 32];
            c.HostTimeoutTenths = b[at + 33];
            if (c.Mode < ModeEmulator || c.Mode > ModeHybrid)
            {
                problem = "mode " + c.Mode.ToString();
            }
            else if (c.PeriodUs == 0)
            {
                problem = "period 0";
            }
            else if (c.CurrentMin > 0 || c.CurrentMax < 0 || c.CurrentMin >= c.CurrentMax)
            {
                problem = "current limits must bracket zero";
            }
            else if (c.ValidMin >= c.ValidMax)
            {
                problem = "empty valid voltage range";
            }
            else if (c.OverrunStreak == 0)
            {
                problem = "overrun streak limit 0";
            }
            else if (c.Channels > MaxChannels)
            {
                problem = c.Channels.ToString() + " channels (1 or 2)";
            }

            return problem == null ? c : null;
        }
    }
}
