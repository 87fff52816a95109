using RmmCli = RmmEdge.Cli.Cli;
using RmmEdge.Emulator;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Firmware.Tests;

/// <summary>
/// Faults of the link between host and board, over a real pseudo-terminal: answers lost and commands
/// sent again, a board that never answers, stale and wrong sequence numbers, a flood of garbage and
/// telemetry, and a host that goes away while the loop it started runs (supervised: the board stops it
/// safely; standalone: it keeps running). The board is the firmware's own command server where one is
/// needed, and a scripted peer on the pseudo-terminal where the fault is the board's.
/// </summary>
[Collection(RealTimeEngines.Name)]
public sealed class LinkFaultTests(ITestOutputHelper output) : IDisposable
{
    private readonly EmulatedBoard _board = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-link-").FullName;

    public void Dispose()
    {
        _board.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static RunConfiguration Emulate(byte hostTimeoutTenths = 0) => new()
    {
        Mode = RunConfiguration.ModeEmulator, Engine = BoardInfo.EngineManaged, PeriodUs = 100,
        CurrentMin = -5 << 16, CurrentMax = 5 << 16, ValidMin = -150 << 16, ValidMax = 100 << 16,
        ElectrodeLossMs = 50, OverrunStreak = 1000, OutputNeuron = 0, TelemetryEvery = 0, HostTimeoutTenths = hostTimeoutTenths,
    };

    [Fact]
    public void ACommandSentAgainAfterItsAnswerWasLostIsAnsweredWithoutRunningTwice()
    {
        using var client = new BoardClient(SerialDevice.Open(_board.Pty.DevicePath), TimeSpan.FromMilliseconds(300));
        Assert.True(client.Upload(TestNetworks.SmallCompiledModel(1)).Ok);

        // A commit whose Ack is lost: run twice, the second would find no upload in progress.
        byte[] second = TestNetworks.SmallCompiledModel(2);
        byte[] begin = new byte[8];
        Bytes.PutU32(begin, 0, (uint)second.Length);
        Bytes.PutU32(begin, 4, Crc32.Compute(second, 0, second.Length));
        Assert.True(client.Command(MessageType.UploadBegin, begin).Ok);
        for (int offset = 0; offset < second.Length; offset += WireFormat.ChunkSize)
        {
            int count = Math.Min(WireFormat.ChunkSize, second.Length - offset);
            byte[] chunk = new byte[4 + count];
            Bytes.PutU32(chunk, 0, (uint)offset);
            Array.Copy(second, offset, chunk, 4, count);
            Assert.True(client.Command(MessageType.UploadChunk, chunk).Ok);
        }

        _board.Link.DropAnswers = 1;
        BoardReply commit = client.Command(MessageType.UploadCommit, []);
        Assert.True(commit.Ok, commit.ToString());
        Assert.Equal(Crc32.Compute(second, 0, second.Length), _board.Store.ActiveCrc);

        // A Stop whose Ack is lost: run twice, the second would answer "the loop was not running".
        Assert.True(client.Start(Emulate()).Ok);
        _board.Link.DropAnswers = 1;
        BoardReply stop = client.Stop();
        Assert.True(stop.Ok, stop.ToString());
        Assert.Equal(StopReason.Requested, client.Status().Reason);

        // A new command with the next sequence number is run, not taken for a repeat.
        Assert.Equal(AckStatus.NotRunning, client.Stop().Status);
    }

    [Fact]
    public void ABoardThatNeverAnswersEndsInOneClearMessageAfterTheRetries()
    {
        using var silent = new PseudoTerminal();
        var heard = new List<(byte Type, ushort Sequence)>();
        using var listener = new ScriptedBoard(silent, (type, sequence, _) => { lock (heard) { heard.Add((type, sequence)); } });
        using (var client = new BoardClient(SerialDevice.Open(silent.DevicePath), TimeSpan.FromMilliseconds(200), attempts: 3))
        {
            var error = Assert.Throws<UserError>(() => client.Hello());
            output.WriteLine(error.Message);
            Assert.Contains("did not answer", error.Message);
            Assert.Contains("after 3 attempts", error.Message);
        }

        Thread.Sleep(100);
        lock (heard)
        {
            Assert.Equal(3, heard.Count);
            Assert.All(heard, h => Assert.Equal((MessageType.Hello, heard[0].Sequence), h));   // the same command, sent again
        }

        // Through the CLI: one line, exit 1, nothing else.
        string model = Path.Combine(_dir, "m.rmmq");
        File.WriteAllBytes(model, TestNetworks.SmallCompiledModel(1));
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(["flash", model, "--port", silent.DevicePath], stdout, stderr);
        output.WriteLine(stderr.ToString());
        Assert.Equal(1, code);
        Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("did not answer", stderr.ToString());
    }

    [Fact]
    public void StaleAndWrongSequenceAnswersAreSkipped()
    {
        using var pty = new PseudoTerminal();
        using var board = new ScriptedBoard(pty, (type, sequence, peer) =>
        {
            peer.Ack(unchecked((ushort)(sequence - 1)), AckStatus.Ok, 111);   // a late answer to the previous command
            peer.Ack(unchecked((ushort)(sequence + 7)), AckStatus.Ok, 222);   // an answer to a command never sent
            peer.Raw([0xA5, 0x5A, 0x08, 0x00, 0x80]);                          // half a frame
            peer.Ack(sequence, AckStatus.Ok, 42);
        });
        using var client = new BoardClient(SerialDevice.Open(pty.DevicePath), TimeSpan.FromSeconds(1));
        for (int k = 0; k < 3; k++)
        {
            BoardReply reply = client.Command(MessageType.Stop, []);
            Assert.Equal(42, reply.Detail);
        }
    }

    [Fact]
    public void AFloodOfGarbageAndTelemetryNeitherStarvesCommandsNorGrowsTheHostsMemory()
    {
        using var pty = new PseudoTerminal();
        int answered = 0;
        using var board = new ScriptedBoard(pty, (type, sequence, peer) =>
        {
            peer.Ack(sequence, AckStatus.Ok, 7);
            Interlocked.Increment(ref answered);
        });
        using var client = new BoardClient(SerialDevice.Open(pty.DevicePath), TimeSpan.FromSeconds(1));
        var random = new Random(5);
        byte[] telemetry = new byte[LoopStatus.EncodedSize];
        var status = new LoopStatus { State = LoopStatus.StateRunning };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long sent = 0;
        int commands = 0;
        using var flooding = new CancellationTokenSource();
        var flood = new Thread(() =>
        {
            byte[] noise = new byte[512];
            while (!flooding.IsCancellationRequested)
            {
                random.NextBytes(noise);
                board.Raw(noise);
                for (int k = 0; k < 20; k++)
                {
                    status.Step = (uint)sent++;
                    status.Encode(telemetry, 0);
                    board.Frame(MessageType.Telemetry, (ushort)sent, telemetry);
                }
            }
        });
        flood.Start();
        while (clock.Elapsed < TimeSpan.FromSeconds(2.5))
        {
            Assert.Equal(7, client.Command(MessageType.Status, []).Detail);
            commands++;
        }

        flooding.Cancel();
        flood.Join();
        output.WriteLine($"{commands} commands answered during a flood of {sent:N0} telemetry frames and {sent / 20 * 512:N0} noise bytes; " +
            $"queued {client.Telemetry.Count:N0}, dropped {client.DroppedTelemetry:N0}; {client.CrcErrors} CRC errors");
        Assert.True(commands >= 5, $"{commands} commands answered in 2.5 s");
        Assert.True(sent > BoardClient.MaxQueuedTelemetry, $"the flood sent only {sent} telemetry frames");
        Assert.True(client.Telemetry.Count <= BoardClient.MaxQueuedTelemetry);
        Assert.True(client.DroppedTelemetry > 0);
    }

    [Fact]
    public void ASupervisedRunStopsWithTheOutputSafeWhenTheHostFallsSilent()
    {
        using var client = new BoardClient(SerialDevice.Open(_board.Pty.DevicePath), TimeSpan.FromSeconds(1));
        Assert.True(client.Upload(TestNetworks.SmallCompiledModel(1)).Ok);
        _board.Input.Value = 1 << 15;

        // While the host keeps talking, the loop runs past its timeout many times over.
        Assert.True(client.Start(Emulate(hostTimeoutTenths: 3)).Ok);
        for (int k = 0; k < 12; k++)
        {
            Thread.Sleep(100);
            Assert.Equal(LoopStatus.StateRunning, client.Status().State);
        }

        // Then the host says nothing (the board's own status is read, not asked over the link).
        var silence = System.Diagnostics.Stopwatch.StartNew();
        while (_board.Engine.Snapshot().State == LoopStatus.StateRunning && silence.ElapsedMilliseconds < 5000)
        {
            Thread.Sleep(10);
        }

        LoopStatus stopped = _board.Engine.Snapshot();
        output.WriteLine($"stopped {silence.ElapsedMilliseconds} ms into the silence: {StopReason.Name(stopped.Reason)}");
        Assert.Equal(LoopStatus.StateStopped, stopped.State);
        Assert.Equal(StopReason.HostSilent, stopped.Reason);
        Assert.InRange(silence.ElapsedMilliseconds, 200, 2000);
        Assert.True(_board.Output.Safe, "output not at its safe value after the host went silent");
    }

    [Fact]
    public void AStandaloneRunStartedByTheCliKeepsRunningAfterTheHostHasGone()
    {
        string model = Path.Combine(_dir, "m.rmmq");
        File.WriteAllBytes(model, TestNetworks.SmallCompiledModel(1));
        Assert.Equal(0, RmmCli.Run(["flash", model, "--port", _board.Pty.DevicePath], TextWriter.Null, TextWriter.Null));
        var stdout = new StringWriter();
        Assert.Equal(0, RmmCli.Run(["run", "--port", _board.Pty.DevicePath, "--mode", "emulator", "--output-neuron", "0", "--seconds", "0"], stdout, TextWriter.Null));
        output.WriteLine(stdout.ToString());
        Assert.Contains("standalone", stdout.ToString());

        Thread.Sleep(1500);
        LoopStatus status = _board.Engine.Snapshot();
        Assert.Equal(LoopStatus.StateRunning, status.State);
        Assert.True(status.Step > 1000, $"{status.Step} steps");
    }

    /// <summary>A board played by a script on the board side of a pseudo-terminal: it decodes the host's frames and answers as told.</summary>
    private sealed class ScriptedBoard : IDisposable
    {
        private readonly PseudoTerminal _pty;
        private readonly Thread _thread;
        private readonly object _gate = new();
        private volatile bool _stop;

        public ScriptedBoard(PseudoTerminal pty, Action<byte, ushort, ScriptedBoard> onCommand)
        {
            _pty = pty;
            _thread = new Thread(() =>
            {
                var decoder = new FrameDecoder();
                byte[] buffer = new byte[256];
                while (!_stop)
                {
                    int n = _pty.Read(buffer, 0, buffer.Length);
                    for (int i = 0; i < n; i++)
                    {
                        decoder.Push(buffer[i]);
                        while (decoder.TryRead())
                        {
                            onCommand(decoder.Type, decoder.Sequence, this);
                        }
                    }
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public void Ack(ushort sequence, byte status, int detail)
        {
            byte[] payload = new byte[8];
            Bytes.PutU16(payload, 0, sequence);
            payload[2] = status;
            Bytes.PutI32(payload, 3, detail);
            Frame(MessageType.Ack, sequence, payload);
        }

        public void Frame(byte type, ushort sequence, byte[] payload)
        {
            byte[] frame = new byte[WireFormat.MaxFrame];
            int size = FrameEncoder.Encode(type, sequence, payload, 0, payload.Length, frame);
            Raw(frame[..size]);
        }

        public void Raw(byte[] bytes)
        {
            lock (_gate)
            {
                _pty.Write(bytes, 0, bytes.Length);
            }
        }

        public void Dispose()
        {
            _stop = true;
            _thread.Join(TimeSpan.FromSeconds(2));
        }
    }
}
