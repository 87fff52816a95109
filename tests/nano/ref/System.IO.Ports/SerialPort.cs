// Reference declarations of nanoFramework.System.IO.Ports 1.1 (nanoframework-facts.md §6.4).
// Port names are "COMn"; on ESP32 COM1 carries the debugger, so applications use COM2/COM3.
// Set ReadTimeout, or a read blocks forever.

namespace System.IO.Ports
{
    public enum Parity { None = 0, Odd = 1, Even = 2, Mark = 3, Space = 4 }
    public enum StopBits { None = 0, One = 1, Two = 2, OnePointFive = 3 }
    public enum Handshake { None = 0, XOnXOff = 1, RequestToSend = 2, RequestToSendXOnXOff = 3 }
    public enum SerialMode { Normal = 0, RS485 = 1 }
    public enum SerialData { Chars = 1, WatchChar = 2 }

    public class SerialDataReceivedEventArgs : EventArgs
    {
        public SerialData EventType => throw null;
    }

    public delegate void SerialDataReceivedEventHandler(object sender, SerialDataReceivedEventArgs e);

    public class SerialPort : IDisposable
    {
        public SerialPort(string portName) { }
        public SerialPort(string portName, int baudRate) { }
        public SerialPort(string portName, int baudRate, Parity parity, int dataBits, StopBits stopBits) { }
        public static string[] GetPortNames() => throw null;
        public void Open() => throw null;
        public void Close() => throw null;
        public void Dispose() => throw null;
        public bool IsOpen => throw null;
        public string PortName => throw null;
        public int BaudRate { get => throw null; set { } }
        public Handshake Handshake { get => throw null; set { } }
        public SerialMode Mode { get => throw null; set { } }
        public int BytesToRead => throw null;
        public int BytesToWrite => throw null;
        public int ReadTimeout { get => throw null; set { } }
        public int WriteTimeout { get => throw null; set { } }
        public int ReadBufferSize { get => throw null; set { } }
        public int ReceivedBytesThreshold { get => throw null; set { } }
        public char WatchChar { get => throw null; set { } }
        public string NewLine { get => throw null; set { } }
        public int Read(byte[] buffer, int offset, int count) => throw null;
        public int ReadByte() => throw null;
        public string ReadExisting() => throw null;
        public string ReadLine() => throw null;
        public void Write(byte[] buffer, int offset, int count) => throw null;
        public void WriteByte(byte value) => throw null;
        public void Write(string text) => throw null;
        public void WriteLine(string text) => throw null;
        public void DiscardInBuffer() => throw null;
        public void DiscardOutBuffer() => throw null;
        public event SerialDataReceivedEventHandler DataReceived;
    }
}
