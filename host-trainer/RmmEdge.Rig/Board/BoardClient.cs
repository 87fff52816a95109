using System.Collections.Concurrent;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Rig.Board;

/// <summary>An answer of the board to one command: the Ack fields, or a reply frame's payload.</summary>
public sealed record BoardReply(byte Type, byte Status, int Detail, string Message, byte[] Payload)
{
    public bool Ok => Type != MessageType.Ack || Status == AckStatus.Ok;

    public override string ToString() => Type == MessageType.Ack
        ? $"{AckStatus.Name(Status)}{(Message.Length > 0 ? ": " + Message : "")}"
        : $"reply 0x{Type:X2} ({Payload.Length} bytes)";
}

/// <summary>
/// The host's side of the wire protocol (shared-model/Protocol/wire-protocol.md) over any byte stream:
/// a serial device (<see cref="SerialDevice"/>), a pseudo-terminal, a socket to the emulator. Every
/// command waits for its acknowledgement and is sent again (same sequence number) when none arrives
/// in time; the board answers a repeat without running the command twice. Sequence numbers start at a
/// random value per connection, so a new connection's first command is never mistaken for a repeat of
/// the last one's. Answers with another sequence number (late, stale) are skipped. Telemetry frames
/// are queued as they come, at most <see cref="MaxQueuedTelemetry"/> (the oldest are dropped), so a
/// flood from the board cannot grow the host's memory.
/// </summary>
public sealed class BoardClient : IDisposable
{
    private readonly Stream _stream;
    private readonly Thread _reader;
    private readonly BlockingCollection<(byte Type, ushort Sequence, byte[] Payload)> _replies = new();
    private readonly object _writeGate = new();
    private readonly byte[] _frame = new byte[WireFormat.MaxFrame];
    private volatile bool _closed;
    private ushort _sequence;

    /// <summary>Telemetry frames kept until the caller drains them.</summary>
    public const int MaxQueuedTelemetry = 10_000;

    /// <summary>Answers waiting for a command: more are dropped (only a broken board sends them unasked).</summary>
    private const int MaxQueuedReplies = 64;

    public BoardClient(Stream stream, TimeSpan? timeout = null, int attempts = 3)
    {
        _stream = stream;
        _sequence = (ushort)Random.Shared.Next(0x10000);
        Timeout = timeout ?? TimeSpan.FromSeconds(1);
        Attempts = attempts;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "rmm board reader" };
        _reader.Start();
    }

    public TimeSpan Timeout { get; }

    public int Attempts { get; }

    /// <summary>Telemetry frames received so far (drained by the caller).</summary>
    public ConcurrentQueue<LoopStatus> Telemetry { get; } = new();

    /// <summary>Frames that arrived with a bad CRC.</summary>
    public int CrcErrors { get; private set; }

    /// <summary>Telemetry frames dropped because the queue was full.</summary>
    public long DroppedTelemetry { get; private set; }

    /// <summary>Answers dropped because nobody waited for them.</summary>
    public long DroppedReplies { get; private set; }

    public BoardInfo Hello()
    {
        BoardReply reply = Command(MessageType.Hello, []);
        return BoardInfo.Decode(reply.Payload, 0, reply.Payload.Length)
            ?? throw new UserError("the board's hello reply is malformed (an incompatible firmware?)");
    }

    /// <summary>
    /// Uploads a model in chunks and commits it; returns the board's verdict. The running model is
    /// replaced only if the board verified and validated the new one.
    /// </summary>
    public BoardReply Upload(byte[] model, IProgress<double>? progress = null)
    {
        byte[] begin = new byte[8];
        Bytes.PutU32(begin, 0, (uint)model.Length);
        Bytes.PutU32(begin, 4, Crc32.Compute(model, 0, model.Length));
        BoardReply reply = Command(MessageType.UploadBegin, begin);
        if (!reply.Ok)
        {
            return reply;
        }

        byte[] chunk = new byte[4 + WireFormat.ChunkSize];
        for (int offset = 0; offset < model.Length; offset += WireFormat.ChunkSize)
        {
            int count = Math.Min(WireFormat.ChunkSize, model.Length - offset);
            Bytes.PutU32(chunk, 0, (uint)offset);
            Array.Copy(model, offset, chunk, 4, count);
            reply = Command(MessageType.UploadChunk, chunk.AsSpan(0, 4 + count).ToArray());
            if (!reply.Ok)
            {
                return reply;
            }

            progress?.Report((offset + count) / (double)model.Length);
        }

        return Command(MessageType.UploadCommit, []);
    }

    public BoardReply Start(RunConfiguration configuration)
    {
        byte[] payload = new byte[RunConfiguration.EncodedSize];
        configuration.Encode(payload, 0);
        return Command(MessageType.Start, payload);
    }

    public BoardReply Stop() => Command(MessageType.Stop, []);

    /// <summary>The loop-start lateness histogram since the last start (see WireFormat.JitterBins).</summary>
    public uint[] Jitter()
    {
        BoardReply reply = Command(MessageType.Jitter, []);
        if (reply.Type != MessageType.JitterReply || reply.Payload.Length != 4 * WireFormat.JitterBins)
        {
            throw new UserError("the board's jitter reply is malformed");
        }

        return Enumerable.Range(0, WireFormat.JitterBins).Select(i => Bytes.GetU32(reply.Payload, 4 * i)).ToArray();
    }

    public BoardReply Calibrate(Calibration calibration)
    {
        byte[] payload = new byte[Calibration.EncodedSize];
        calibration.Encode(payload, 0);
        return Command(MessageType.Calibrate, payload);
    }

    public LoopStatus Status()
    {
        BoardReply reply = Command(MessageType.Status, []);
        return LoopStatus.Decode(reply.Payload, 0, reply.Payload.Length) ?? throw new UserError("the board's status reply is malformed");
    }

    /// <summary>Sends raw bytes (tests: line noise, broken frames).</summary>
    public void WriteRaw(byte[] bytes)
    {
        lock (_writeGate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    /// <summary>Sends a command and waits for its Ack or reply, resending on timeout.</summary>
    public BoardReply Command(byte type, byte[] payload)
    {
        ushort sequence = ++_sequence;
        for (int attempt = 1; attempt <= Attempts; attempt++)
        {
            lock (_writeGate)
            {
                int size = FrameEncoder.Encode(type, sequence, payload, 0, payload.Length, _frame);
                _stream.Write(_frame, 0, size);
                _stream.Flush();
            }

            DateTime deadline = DateTime.UtcNow + Timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (!_replies.TryTake(out var frame, deadline - DateTime.UtcNow) )
                {
                    break;
                }

                if (frame.Sequence != sequence)
                {
                    continue;   // a late answer to an earlier attempt
                }

                if (frame.Type != MessageType.Ack)
                {
                    return new BoardReply(frame.Type, AckStatus.Ok, 0, "", frame.Payload);
                }

                byte[] p = frame.Payload;
                if (p.Length < 8)
                {
                    throw new UserError("malformed acknowledgement from the board");
                }

                return new BoardReply(MessageType.Ack, p[2], Bytes.GetI32(p, 3), Bytes.GetString(p, 7, p.Length) ?? "", p);
            }
        }

        throw new UserError($"the board did not answer command 0x{type:X2} after {Attempts} attempts ({Timeout.TotalSeconds:0.#} s each): check the port, the cable and that the RmmEdge firmware runs");
    }

    private void ReadLoop()
    {
        var decoder = new FrameDecoder();
        byte[] buffer = new byte[4096];
        try
        {
            while (!_closed)
            {
                int count = _stream.Read(buffer, 0, buffer.Length);
                if (count <= 0)
                {
                    if (_closed) { return; }
                    Thread.Sleep(1);
                    continue;
                }

                for (int i = 0; i < count; i++)
                {
                    decoder.Push(buffer[i]);
                    while (decoder.TryRead())
                    {
                        Deliver(decoder);
                    }
                }

                CrcErrors = decoder.CrcErrors;
            }
        }
        catch (Exception) when (_closed)
        {
            // the stream was closed under the reader
        }
        catch (IOException)
        {
            // link lost: commands time out with a clear message
        }
    }

    private void Deliver(FrameDecoder decoder)
    {
        byte[] payload = decoder.Buffer.AsSpan(decoder.PayloadOffset, decoder.PayloadLength).ToArray();
        if (decoder.Type == MessageType.Telemetry)
        {
            if (LoopStatus.Decode(payload, 0, payload.Length) is { } sample)
            {
                Telemetry.Enqueue(sample);
                while (Telemetry.Count > MaxQueuedTelemetry && Telemetry.TryDequeue(out _))
                {
                    DroppedTelemetry++;
                }
            }
        }
        else if (_replies.Count < MaxQueuedReplies)
        {
            _replies.Add((decoder.Type, decoder.Sequence, payload));
        }
        else
        {
            DroppedReplies++;
        }
    }

    public void Dispose()
    {
        _closed = true;
        _stream.Dispose();
        _reader.Join(TimeSpan.FromSeconds(2));
        _replies.Dispose();
    }
}
