using System.IO.Ports;
using RmmEdge.Firmware.Server;

namespace RmmEdge.Firmware.Hardware
{
    /// <summary>
    /// The host link over a UART (on ESP32 COM2 after mapping its pins: COM1 carries the debugger). Reads
    /// wait at most the read timeout, so the command server's loop keeps turning.
    /// </summary>
    public sealed class SerialLink : ISerialLink
    {
        private readonly SerialPort _port;

        public SerialLink(string portName, int baudRate)
        {
            _port = new SerialPort(portName, baudRate);
            _port.ReadBufferSize = 2048;
            _port.ReadTimeout = 20;
            _port.WriteTimeout = 200;
            _port.Open();
        }

        public int Read(byte[] buffer, int offset, int count)
        {
            int available = _port.BytesToRead;
            if (available <= 0)
            {
                return 0;
            }

            return _port.Read(buffer, offset, available < count ? available : count);
        }

        public void Write(byte[] buffer, int offset, int count)
        {
            _port.Write(buffer, offset, count);
        }
    }
}
