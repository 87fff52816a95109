namespace RmmEdge.Firmware.Server
{
    /// <summary>
    /// The byte stream to the host: a SerialPort on the board (COM2/COM3 on ESP32, see
    /// nanoframework-facts.md), a pseudo-terminal or socket in the emulator and the tests.
    /// </summary>
    public interface ISerialLink
    {
        /// <summary>Reads up to <paramref name="count"/> bytes; returns 0 when nothing arrived within the link's timeout.</summary>
        int Read(byte[] buffer, int offset, int count);

        void Write(byte[] buffer, int offset, int count);
    }
}
