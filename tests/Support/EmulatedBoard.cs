using RmmEdge.Emulator;
using RmmEdge.Firmware.Engine;
using RmmEdge.Firmware.Server;
using RmmEdge.Firmware.Store;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.TestSupport;

/// <summary>The firmware's server, store and managed engine on this machine, behind a pseudo-terminal.</summary>
public sealed class EmulatedBoard : IDisposable
{
    private readonly Thread _serverThread;
    private volatile bool _stop;

    public static readonly BoardInfo Info = new()
    {
        ProtocolVersion = WireFormat.Version, FirmwareVersion = 1, BoardId = "host-test", Engines = BoardInfo.EngineManaged,
        ManagedMaxHz = 20_000, NativeMaxHz = 0, AdcBits = 12, DacBits = 12, MaxModelBytes = 64 * 1024,
    };

    public EmulatedBoard()
    {
        var clock = new HostClock();
        Engine = new ManagedEngine(clock, Input, Output);
        Link = new FaultyLink(Pty);
        Server = new CommandServer(Link, Store, Engine, null, Info, clock);
        _serverThread = new Thread(() => { while (!_stop) { Server.Poll(); } }) { IsBackground = true };
        _serverThread.Start();
    }

    public PseudoTerminal Pty { get; } = new();

    /// <summary>The board's end of the link, which can lose the board's next answers.</summary>
    public FaultyLink Link { get; }
    public ModelStore Store { get; } = new(64 * 1024, new RamStorage());
    public SettableInput Input { get; } = new();
    public RecordingOutput Output { get; } = new();
    public ManagedEngine Engine { get; }
    public CommandServer Server { get; }

    public void Dispose()
    {
        Engine.Stop(StopReason.Requested);
        _stop = true;
        _serverThread.Join(TimeSpan.FromSeconds(2));
        Pty.Dispose();
    }
}

/// <summary>The board's side of a link that loses the next <see cref="DropAnswers"/> frames the board writes (a lost Ack).</summary>
public sealed class FaultyLink(RmmEdge.Firmware.Server.ISerialLink inner) : RmmEdge.Firmware.Server.ISerialLink
{
    private int _drop;

    /// <summary>Frames to lose from now on.</summary>
    public int DropAnswers { set => Volatile.Write(ref _drop, value); }

    public int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public void Write(byte[] buffer, int offset, int count)
    {
        if (Volatile.Read(ref _drop) > 0 && Interlocked.Decrement(ref _drop) >= 0)
        {
            return;
        }

        inner.Write(buffer, offset, count);
    }
}
