using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RmmEdge.Rig.Board;

/// <summary>
/// A serial device (USB-UART bridge, pseudo-terminal) opened in raw mode through termios, as a
/// <see cref="Stream"/> (System.IO.Ports is not available to us). Reads return after at most 0.1 s
/// with what has arrived (VMIN 0, VTIME 1), so a reader thread can notice a close. Linux and macOS.
/// </summary>
public static class SerialDevice
{
    private const int ORdWr = 2, ONoCtty = 0x100, ONoCttyMac = 0x20000, TcsaNow = 0;

    public static Stream Open(string path, int baud = 115200)
    {
        bool mac = OperatingSystem.IsMacOS();
        if (!OperatingSystem.IsLinux() && !mac)
        {
            throw new UserError($"{path}: serial devices are supported on Linux and macOS");
        }

        int fd = open(path, ORdWr | (mac ? ONoCttyMac : ONoCtty));
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new UserError($"{path}: cannot open the serial device ({Marshal.GetPInvokeErrorMessage(errno)}; is the board plugged in, and may you use the port?)");
        }

        // struct termios is opaque here except for c_cc: a generous buffer, edited by cfmakeraw/cfsetspeed.
        byte[] termios = new byte[256];
        if (tcgetattr(fd, termios) != 0)
        {
            close(fd);
            throw new UserError($"{path}: not a terminal device (tcgetattr failed)");
        }

        cfmakeraw(termios);
        cfsetspeed(termios, Speed(baud, mac));
        int cc = mac ? 32 : 17, vmin = mac ? 16 : 6, vtime = mac ? 17 : 5;
        termios[cc + vmin] = 0;
        termios[cc + vtime] = 1;
        if (tcsetattr(fd, TcsaNow, termios) != 0)
        {
            close(fd);
            throw new UserError($"{path}: cannot configure the serial device (tcsetattr failed)");
        }

        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);
    }

    /// <summary>Linux encodes rates as Bxxx constants; macOS takes the rate itself.</summary>
    private static nuint Speed(int baud, bool mac)
    {
        if (mac)
        {
            return (nuint)baud;
        }

        return baud switch
        {
            9600 => 0xD, 19200 => 0xE, 38400 => 0xF, 57600 => 0x1001, 115200 => 0x1002, 230400 => 0x1003,
            460800 => 0x1004, 921600 => 0x1007, 1000000 => 0x1008, 2000000 => 0x100B,
            _ => throw new UserError($"baud rate {baud} is not supported; use 115200, 230400, 460800, 921600, 1000000 or 2000000"),
        };
    }

    [DllImport("libc", SetLastError = true)] private static extern int open(string path, int flags);
    [DllImport("libc")] private static extern int close(int fd);
    [DllImport("libc")] private static extern int tcgetattr(int fd, byte[] termios);
    [DllImport("libc")] private static extern int tcsetattr(int fd, int action, byte[] termios);
    [DllImport("libc")] private static extern void cfmakeraw(byte[] termios);
    [DllImport("libc")] private static extern int cfsetspeed(byte[] termios, nuint speed);
}
