namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>Why the loop stopped (or is not running); reported in Status replies and Telemetry.</summary>
    public static class StopReason
    {
        public const byte None = 0;
        public const byte Requested = 1;
        public const byte ElectrodeLoss = 2;
        public const byte OverrunStreak = 3;
        public const byte Fault = 4;
        public const byte ModelReplaced = 5;
        public const byte HostSilent = 6;

        public static string Name(byte reason)
        {
            switch (reason)
            {
                case None: return "none";
                case Requested: return "stopped by the host";
                case ElectrodeLoss: return "electrode loss (input out of range too long)";
                case OverrunStreak: return "overrun streak";
                case Fault: return "fault";
                case ModelReplaced: return "model replaced";
                case HostSilent: return "host silent (supervised run)";
                default: return "reason " + reason.ToString();
            }
        }
    }

    /// <summary>
    /// One telemetry sample (the Telemetry frame, also the body of a Status reply): step count, the
    /// last measured voltage and output current (Q15.16), the step's cycle time, overruns so far,
    /// and the loop state with its stop reason.
    /// </summary>
    public sealed class LoopStatus
    {
        public const byte StateIdle = 0, StateRunning = 1, StateStopped = 2;
        public const int EncodedSize = 28;

        public uint Step;
        public int Voltage;
        public int Current;
        public ushort CycleUs;
        public ushort MaxCycleUs;
        public uint Overruns;
        public byte State;
        public byte Reason;
        public uint ModelCrc;
        public ushort Reserved;

        public int Encode(byte[] b, int at)
        {
            Bytes.PutU32(b, at, Step);
            Bytes.PutI32(b, at + 4, Voltage);
            Bytes.PutI32(b, at + 8, Current);
            Bytes.PutU16(b, at + 12, CycleUs);
            Bytes.PutU16(b, at + 14, MaxCycleUs);
            Bytes.PutU32(b, at + 16, Overruns);
            b[at + 20] = State;
            b[at + 21] = Reason;
            Bytes.PutU32(b, at + 22, ModelCrc);
            Bytes.PutU16(b, at + 26, Reserved);
            return EncodedSize;
        }

        public static LoopStatus Decode(byte[] b, int at, int count)
        {
            if (count < EncodedSize)
            {
                return null;
            }

            LoopStatus s = new LoopStatus();
            s.Step = Bytes.GetU32(b, at);
            s.Voltage = Bytes.GetI32(b, at + 4);
            s.Current = Bytes.GetI32(b, at + 8);
            s.CycleUs = (ushort)Bytes.GetU16(b, at + 12);
            s.MaxCycleUs = (ushort)Bytes.GetU16(b, at + 14);
            s.Overruns = Bytes.GetU32(b, at + 16);
            s.State = b[at + 20];
            s.Reason = b[at + 21];
            s.ModelCrc = Bytes.GetU32(b, at + 22);
            s.Reserved = (ushort)Bytes.GetU16(b, at + 26);
            return s;
        }
    }
}
