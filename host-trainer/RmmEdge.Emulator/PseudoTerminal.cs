using System.Runtime.InteropServices;
using RmmEdge.Firmware.Server;

namespace RmmEdge.Emulator;

/// <summary>
/// A pseudo-terminal pair: the board side (master) is an <see cref="ISerialLink"/> for the firmware's
/// command server; the host side (<see cref="DevicePath"/>, /dev/pts/N) is opened like a real serial
/// device by <c>rmm flash/run/monitor</c>. Linux.
/// </summary>
public sealed class PseudoTerminal : ISerialLink, IDisposable
{
    private const int ORdWr = 2, ONoCtty = 0x100, PollIn = 1;
    private readonly int _master;
    private volatile bool _closed;

    public PseudoTerminal(int readTimeoutMs = 50)
    {
        _master = posix_openpt(ORdWr | ONoCtty);
        if (_master < 0 || grantpt(_master) != 0 || unlockpt(_master) != 0)
        {
            throw new IOException($"cannot create a pseudo-terminal (errno {Marshal.GetLastPInvokeError()})");
        }

        byte[] name = new byte[128];
        if (ptsname_r(_master, name, (nuint)name.Length) != 0)
        {
            throw new IOException("ptsname_r failed");
        }

        DevicePath = System.Text.Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        ReadTimeoutMs = readTimeoutMs;
    }

    /// <summary>The host end, e.g. /dev/pts/3.</summary>
    public string DevicePath { get; }

    public int ReadTimeoutMs { get; }

    /// <summary>When set, bytes the board writes are dropped (a pulled cable).</summary>
    public bool Disconnected { get; set; }

    public unsafe int Read(byte[] buffer, int offset, int count)
    {
        if (_closed)
        {
            return 0;
        }

        PollFd poll = new() { Fd = _master, Events = PollIn };
        if (PollOne(ref poll, ReadTimeoutMs) <= 0 || (poll.Revents & PollIn) == 0)
        {
            return 0;
        }

        fixed (byte* p = &buffer[offset])
        {
            long n = read(_master, p, (nuint)count);
            return n > 0 ? (int)n : 0;
        }
    }

    public unsafe void Write(byte[] buffer, int offset, int count)
    {
        if (_closed || Disconnected)
        {
            return;
        }

        fixed (byte* p = &buffer[offset])
        {
            int done = 0;
            while (done < count)
            {
                long n = write(_master, p + done, (nuint)(count - done));
                if (n <= 0)
                {
                    return;   // the host side is gone: the board keeps running, its replies are lost
                }

                done += (int)n;
            }
        }
    }

    public void Dispose()
    {
        if (!_closed)
        {
            _closed = true;
            close(_master);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    private static int PollOne(ref PollFd fd, int timeoutMs) => poll(ref fd, 1, timeoutMs);

    [DllImport("libc", SetLastError = true)] private static extern int posix_openpt(int flags);
    [DllImport("libc")] private static extern int grantpt(int fd);
    [DllImport("libc")] private static extern int unlockpt(int fd);
    [DllImport("libc")] private static extern int ptsname_r(int fd, byte[] buffer, nuint length);
    [DllImport("libc")] private static extern int poll(ref PollFd fds, nuint count, int timeoutMs);
    [DllImport("libc")] private static extern unsafe long read(int fd, byte* buffer, nuint count);
    [DllImport("libc")] private static extern unsafe long write(int fd, byte* buffer, nuint count);
    [DllImport("libc")] private static extern int close(int fd);
}
