using System;
using RmmEdge.Firmware.Engine;
using RmmEdge.Firmware.Store;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Server
{
    /// <summary>
    /// The board's side of the wire protocol (wire-protocol.md): reads frames from the link, runs each
    /// command and answers every one — with an Ack carrying a status and a reason, or with its reply
    /// frame. Uploads go through the <see cref="ModelStore"/>, runs through the managed or the native engine.
    /// A model is never started unless it validated and the run configuration fits it and the board.
    /// Also the telemetry sink of the engine (writes are serialised by a lock).
    /// A command that arrives again (same type, sequence number and payload: the host resends when an
    /// answer is lost) is answered with the answer already given and not run twice. A supervised run
    /// (RunConfiguration.HostTimeoutTenths &gt; 0) is stopped, output safe, when no valid frame has come
    /// from the host for that long; a standalone run (0) keeps going without the host.
    /// </summary>
    public sealed class CommandServer : ITelemetrySink
    {
        private readonly ISerialLink _link;
        private readonly ModelStore _store;
        private readonly ManagedEngine _managed;
        private readonly ILoopEngine _native;
        private ILoopEngine _engine;
        private readonly BoardInfo _board;
        private readonly FrameDecoder _decoder = new FrameDecoder();
        private readonly byte[] _input = new byte[256];
        private readonly byte[] _payload = new byte[WireFormat.MaxPayload];
        private readonly byte[] _frame = new byte[WireFormat.MaxFrame];
        private readonly byte[] _telemetryPayload = new byte[LoopStatus.EncodedSize];
        private readonly byte[] _telemetryFrame = new byte[WireFormat.HeaderSize + LoopStatus.EncodedSize + WireFormat.CrcSize];
        private readonly object _writeGate = new object();
        private readonly uint[] _jitter = new uint[WireFormat.JitterBins];
        private readonly IMicrosecondClock _clock;
        private ushort _telemetrySequence;

        // The last command answered and its answer, for a command the host sends again.
        private readonly byte[] _lastAnswer = new byte[WireFormat.MaxFrame];
        private int _lastAnswerSize;
        private byte _lastType;
        private ushort _lastSequence;
        private uint _lastPayloadCrc;
        private bool _recording;

        // Host supervision: 0 for a standalone run.
        private long _hostTimeoutUs;
        private long _lastHeardUs;

        /// <param name="native">The native engine, or null on an image without it.</param>
        /// <param name="clock">The board's microsecond clock, for the host-silence timeout.</param>
        public CommandServer(ISerialLink link, ModelStore store, ManagedEngine managed, ILoopEngine native, BoardInfo board, IMicrosecondClock clock)
        {
            _link = link;
            _clock = clock;
            _store = store;
            _managed = managed;
            _native = native;
            _engine = managed;
            _board = board;
            _managed.Telemetry = this;
        }

        /// <summary>Frames received with a bad CRC (line noise, cut-off frames).</summary>
        public int CrcErrors
        {
            get { return _decoder.CrcErrors; }
        }

        /// <summary>
        /// Reads what the link has and handles every complete frame, then stops a supervised run whose
        /// host has gone silent; returns false when nothing arrived.
        /// </summary>
        public bool Poll()
        {
            int count = _link.Read(_input, 0, _input.Length);
            for (int i = 0; i < count; i++)
            {
                _decoder.Push(_input[i]);
                while (_decoder.TryRead())
                {
                    _lastHeardUs = _clock.NowUs;
                    Answer(_decoder.Type, _decoder.Sequence, _decoder.Buffer, _decoder.PayloadOffset, _decoder.PayloadLength);
                }
            }

            if (_hostTimeoutUs > 0 && _clock.NowUs - _lastHeardUs > _hostTimeoutUs)
            {
                _hostTimeoutUs = 0;
                if (_engine.Running)
                {
                    _engine.Stop(StopReason.HostSilent);
                }
            }

            return count > 0;
        }

        /// <summary>Runs a command, or repeats the answer to it when the host sent it again.</summary>
        private void Answer(byte type, ushort sequence, byte[] b, int at, int count)
        {
            uint crc = Crc32.Update(Crc32.Initial, b, at, count);
            if (_lastAnswerSize > 0 && type == _lastType && sequence == _lastSequence && crc == _lastPayloadCrc)
            {
                lock (_writeGate)
                {
                    _link.Write(_lastAnswer, 0, _lastAnswerSize);
                }

                return;
            }

            _lastType = type;
            _lastSequence = sequence;
            _lastPayloadCrc = crc;
            _lastAnswerSize = 0;
            _recording = true;
            Handle(type, sequence, b, at, count);
            _recording = false;
        }

        private void Handle(byte type, ushort sequence, byte[] b, int at, int count)
        {
            switch (type)
            {
                case MessageType.Hello:
                    Reply(MessageType.HelloReply, sequence, _board.Encode(_payload, 0));
                    return;
                case MessageType.UploadBegin:
                    if (count != 8) { Ack(sequence, AckStatus.BadPayload, count, "upload begin takes size and CRC"); return; }
                    if (_engine.Running) { Ack(sequence, AckStatus.Busy, 0, "stop the loop before uploading"); return; }
                    Ack(sequence, _store.Begin(Bytes.GetU32(b, at), Bytes.GetU32(b, at + 4)), (int)_store.Capacity, "");
                    return;
                case MessageType.UploadChunk:
                    if (count < 4) { Ack(sequence, AckStatus.BadPayload, count, "chunk without offset"); return; }
                    Ack(sequence, _store.Write(Bytes.GetU32(b, at), b, at + 4, count - 4), 0, "");
                    return;
                case MessageType.UploadCommit:
                    {
                        int detail;
                        string message;
                        byte status = _store.Commit(out detail, out message);
                        Ack(sequence, status, detail, message);
                        return;
                    }

                case MessageType.Start:
                    StartLoop(sequence, b, at, count);
                    return;
                case MessageType.Stop:
                    if (!_engine.Running) { Ack(sequence, AckStatus.NotRunning, 0, "the loop was not running"); }
                    else { _engine.Stop(StopReason.Requested); _hostTimeoutUs = 0; Ack(sequence, AckStatus.Ok, 0, ""); }
                    return;
                case MessageType.Calibrate:
                    {
                        Calibration calibration = Calibration.Decode(b, at, count);
                        if (calibration == null) { Ack(sequence, AckStatus.BadPayload, count, "calibration takes 20 bytes with nonzero gains"); return; }
                        if (_engine.Running) { Ack(sequence, AckStatus.Busy, 0, "stop the loop before calibrating"); return; }
                        _managed.Calibrate(calibration);
                        if (_native != null) { _native.Calibrate(calibration); }
                        Ack(sequence, AckStatus.Ok, 0, "");
                        return;
                    }

                case MessageType.Jitter:
                    _engine.Jitter(_jitter);
                    for (int i = 0; i < _jitter.Length; i++)
                    {
                        Bytes.PutU32(_payload, 4 * i, _jitter[i]);
                    }

                    Reply(MessageType.JitterReply, sequence, 4 * _jitter.Length);
                    return;
                case MessageType.Status:
                    {
                        LoopStatus status = _engine.Snapshot();
                        if (status.ModelCrc == 0) { status.ModelCrc = _store.ActiveCrc; }
                        Reply(MessageType.StatusReply, sequence, status.Encode(_payload, 0));
                        return;
                    }

                default:
                    Ack(sequence, AckStatus.UnknownCommand, type, "unknown command");
                    return;
            }
        }

        private void StartLoop(ushort sequence, byte[] b, int at, int count)
        {
            string problem;
            RunConfiguration config = RunConfiguration.Decode(b, at, count, out problem);
            if (config == null)
            {
                Ack(sequence, AckStatus.BadConfiguration, 0, problem);
                return;
            }

            if (_store.ActiveModel == null)
            {
                Ack(sequence, AckStatus.NoModel, 0, "upload a model first");
                return;
            }

            uint rateHz = 1000000 / config.PeriodUs;
            uint maxHz = config.Engine == BoardInfo.EngineNative ? _board.NativeMaxHz : _board.ManagedMaxHz;
            if ((config.Engine & _board.Engines) == 0 || rateHz > maxHz)
            {
                Ack(sequence, AckStatus.RateTooHigh, (int)maxHz, "engine " + config.Engine.ToString() + " holds at most " + maxHz.ToString() + " Hz");
                return;
            }

            problem = LoopCore.Check(_store.ActiveModel, config);
            if (problem != null)
            {
                Ack(sequence, AckStatus.BadConfiguration, 0, problem);
                return;
            }

            ILoopEngine engine = config.Engine == BoardInfo.EngineNative ? _native : _managed;
            if (engine == null)
            {
                Ack(sequence, AckStatus.RateTooHigh, 0, "this firmware image has no native engine");
                return;
            }

            if (_engine.Running)
            {
                _engine.Stop(StopReason.Requested);
            }

            string refused = engine.Start(_store.ActiveFile, _store.ActiveModel, _store.ActiveCrc, config);
            if (refused != null)
            {
                Ack(sequence, AckStatus.BadConfiguration, 0, refused);
                return;
            }

            _engine = engine;
            _hostTimeoutUs = config.HostTimeoutTenths * 100000L;
            _lastHeardUs = _clock.NowUs;
            Ack(sequence, AckStatus.Ok, 0, "");
        }

        private void Ack(ushort sequence, byte status, int detail, string message)
        {
            Bytes.PutU16(_payload, 0, sequence);
            _payload[2] = status;
            Bytes.PutI32(_payload, 3, detail);
            int length = 7 + Bytes.PutString(_payload, 7, message == null ? "" : message);
            Reply(MessageType.Ack, sequence, length);
        }

        private void Reply(byte type, ushort sequence, int length)
        {
            lock (_writeGate)
            {
                int size = FrameEncoder.Encode(type, sequence, _payload, 0, length, _frame);
                _link.Write(_frame, 0, size);
                if (_recording)
                {
                    Array.Copy(_frame, _lastAnswer, size);
                    _lastAnswerSize = size;
                }
            }
        }

        /// <summary>Telemetry from the loop thread: encoded into buffers of its own, sent under the write lock.</summary>
        public void Send(LoopStatus status)
        {
            lock (_writeGate)
            {
                int length = status.Encode(_telemetryPayload, 0);
                int size = FrameEncoder.Encode(MessageType.Telemetry, _telemetrySequence++, _telemetryPayload, 0, length, _telemetryFrame);
                _link.Write(_telemetryFrame, 0, size);
            }
        }
    }
}
