using System.Threading;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// The managed loop engine: one thread busy-waits on the microsecond clock and runs a
    /// <see cref="LoopCore"/> step every period. A step that starts later than one period after its
    /// due time, or ends after the next one is due, is an overrun; a streak of them stops the loop
    /// with the output safe (<see cref="OverrunStreak"/>). Records cycle times; sends telemetry every N steps. Allocation-free in
    /// the loop (the telemetry record is reused).
    /// </summary>
    public sealed class ManagedEngine : ILoopEngine
    {
        private readonly IMicrosecondClock _clock;
        private readonly ISignalInput _input;
        private readonly ISignalOutput _output;
        private readonly ISignalInput _input2;     // the second channel, null on a board wired for one
        private readonly ISignalOutput _output2;
        private ISignalInput _runInput2;           // what the running loop uses on channel 2 (null with one channel)
        private ISignalOutput _runOutput2;
        private readonly LoopStatus _status = new LoopStatus();
        private readonly LoopStatus _sent = new LoopStatus();   // reused for telemetry: nothing allocated in the loop
        private readonly uint[] _jitter = new uint[WireFormat.JitterBins];
        private readonly object _gate = new object();
        private Thread _thread;
        // 1 when a stop is asked. Not `volatile`: nanoFramework's mscorlib has no IsVolatile modifier type,
        // so a volatile field does not compile on the real toolchain (CS0518). Interlocked reads and writes it
        // with a full fence on both the device and .NET (where the emulator runs this loop).
        private int _stopRequested;
        private byte _requestedReason = StopReason.Requested;

        public ManagedEngine(IMicrosecondClock clock, ISignalInput input, ISignalOutput output)
            : this(clock, input, output, null, null)
        {
        }

        /// <param name="input2">The second channel's input (null: the board wires one channel).</param>
        /// <param name="output2">The second channel's output (null: the board wires one channel).</param>
        public ManagedEngine(IMicrosecondClock clock, ISignalInput input, ISignalOutput output, ISignalInput input2, ISignalOutput output2)
        {
            _clock = clock;
            _input = input;
            _output = output;
            _input2 = input2;
            _output2 = output2;
            WriteSafe();
        }

        /// <summary>Channels this engine can drive: 2 when the second input and output are wired.</summary>
        public int Channels
        {
            get { return _input2 != null && _output2 != null ? 2 : 1; }
        }

        private void WriteSafe()
        {
            _output.WriteSafe();
            if (_output2 != null)
            {
                _output2.WriteSafe();
            }
        }

        /// <summary>Where telemetry goes (the command server); null for none.</summary>
        public ITelemetrySink Telemetry { get; set; }

        public bool Running
        {
            get { return _thread != null && _status.State == LoopStatus.StateRunning; }
        }

        /// <summary>A copy of the current loop status (for Status replies).</summary>
        public LoopStatus Snapshot()
        {
            LoopStatus copy = new LoopStatus();
            CopyStatus(copy);
            return copy;
        }

        private void CopyStatus(LoopStatus copy)
        {
            lock (_gate)
            {
                copy.Step = _status.Step;
                copy.Voltage = _status.Voltage;
                copy.Current = _status.Current;
                copy.CycleUs = _status.CycleUs;
                copy.MaxCycleUs = _status.MaxCycleUs;
                copy.Overruns = _status.Overruns;
                copy.State = _status.State;
                copy.Reason = _status.Reason;
                copy.ModelCrc = _status.ModelCrc;
            }
        }

        private void SendTelemetry()
        {
            ITelemetrySink sink = Telemetry;
            if (sink != null)
            {
                CopyStatus(_sent);
                sink.Send(_sent);
            }
        }

        /// <summary>Starts the loop thread; returns null, or why not (a second channel this board has not wired).</summary>
        public string Start(byte[] file, RmmqModel model, uint modelCrc, RunConfiguration config)
        {
            if (config.ChannelCount > Channels)
            {
                return "this board wires " + Channels.ToString() + " converter channel(s); the run asks for " + config.ChannelCount.ToString();
            }

            Stop(StopReason.Requested);
            LoopCore core = new LoopCore(model, config);
            _runInput2 = config.ChannelCount == 2 ? _input2 : null;
            _runOutput2 = config.ChannelCount == 2 ? _output2 : null;
            lock (_gate)
            {
                _status.Step = 0;
                _status.Overruns = 0;
                _status.MaxCycleUs = 0;
                _status.State = LoopStatus.StateRunning;
                _status.Reason = StopReason.None;
                _status.ModelCrc = modelCrc;
                for (int i = 0; i < _jitter.Length; i++)
                {
                    _jitter[i] = 0;
                }
            }

            Interlocked.Exchange(ref _stopRequested, 0);
            _thread = new Thread(() => Run(core, config));
            _thread.Priority = ThreadPriority.Highest;
            _thread.Start();
            return null;
        }

        public void Jitter(uint[] bins)
        {
            lock (_gate)
            {
                for (int i = 0; i < _jitter.Length && i < bins.Length; i++)
                {
                    bins[i] = _jitter[i];
                }
            }
        }

        /// <summary>Passes a converter calibration to the input and output, when they take one.</summary>
        public void Calibrate(Calibration calibration)
        {
            // Both channels share the calibration (one amplifier model).
            SetCalibration(_input, calibration);
            SetCalibration(_output, calibration);
            SetCalibration(_input2, calibration);
            SetCalibration(_output2, calibration);
            WriteSafe();   // the safe code moves with the output calibration
        }

        private static void SetCalibration(object converter, Calibration calibration)
        {
            ICalibrated calibrated = converter as ICalibrated;
            if (calibrated != null)
            {
                calibrated.Calibration = calibration;
            }
        }

        private bool StopRequested
        {
            get { return Interlocked.CompareExchange(ref _stopRequested, 0, 0) == 1; }
        }

        /// <summary>Stops the loop (if running), leaves the output safe and records why.</summary>
        public void Stop(byte reason)
        {
            Thread thread = _thread;
            if (thread != null)
            {
                _requestedReason = reason;
                Interlocked.Exchange(ref _stopRequested, 1);
                thread.Join();
                _thread = null;
            }

            WriteSafe();
            lock (_gate)
            {
                if (_status.State == LoopStatus.StateRunning)
                {
                    _status.State = LoopStatus.StateStopped;
                    _status.Reason = reason;
                }
            }
        }

        private void Run(LoopCore core, RunConfiguration config)
        {
            long period = config.PeriodUs;
            long due = _clock.NowUs + period;
            var overruns = new OverrunStreak(config.OverrunStreak);
            byte reason = StopReason.Requested;
            while (!StopRequested)
            {
                long now = _clock.NowUs;
                while (now < due)
                {
                    now = _clock.NowUs;
                }

                bool late = now - due > period;
                int bin = WireFormat.JitterBin(now - due);
                bool ok = core.Step(_input, _output, _runInput2, _runOutput2);
                long end = _clock.NowUs;
                long cycle = end - now;
                due += period;
                bool overran = late || end > due;
                bool streakFull = overruns.Record(overran);
                if (overran)
                {
                    lock (_gate) { _status.Overruns++; }
                    if (late)
                    {
                        due = end + period;   // do not try to catch up: re-phase after a stall
                    }
                }

                lock (_gate)
                {
                    _jitter[bin]++;
                    _status.Step++;
                    _status.Voltage = core.LastInput(0);
                    _status.Current = core.LastOutput(0);
                    _status.CycleUs = (ushort)(cycle > 65535 ? 65535 : cycle);
                    if (_status.CycleUs > _status.MaxCycleUs)
                    {
                        _status.MaxCycleUs = _status.CycleUs;
                    }
                }

                if (!ok)
                {
                    reason = core.StopReason;
                    break;
                }

                if (streakFull)
                {
                    reason = StopReason.OverrunStreak;
                    break;
                }

                if (config.TelemetryEvery > 0 && _status.Step % config.TelemetryEvery == 0)
                {
                    SendTelemetry();
                }
            }

            if (StopRequested)
            {
                reason = _requestedReason;   // stopped from outside: the host, its silence, or a new start
            }

            WriteSafe();
            lock (_gate)
            {
                _status.State = LoopStatus.StateStopped;
                _status.Reason = reason;
            }

            SendTelemetry();
        }
    }
}
