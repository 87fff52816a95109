using RmmEdge.SharedModel.Format;

namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>Builds frames into a caller's buffer: no allocation, so the board can send telemetry from its loop thread.</summary>
    public static class FrameEncoder
    {
        /// <summary>
        /// Writes one frame of <paramref name="type"/> and <paramref name="sequence"/> with
        /// <paramref name="count"/> payload bytes from <paramref name="payload"/> into
        /// <paramref name="output"/>; returns the frame's length.
        /// </summary>
        public static int Encode(byte type, ushort sequence, byte[] payload, int offset, int count, byte[] output)
        {
            if (count < 0 || count > WireFormat.MaxPayload || output.Length < WireFormat.HeaderSize + count + WireFormat.CrcSize)
            {
                return -1;
            }

            output[0] = WireFormat.Sync0;
            output[1] = WireFormat.Sync1;
            Bytes.PutU16(output, 2, count);
            output[4] = type;
            Bytes.PutU16(output, 5, sequence);
            if (count > 0)
            {
                System.Array.Copy(payload, offset, output, WireFormat.HeaderSize, count);
            }

            uint crc = Crc32.Compute(output, 2, WireFormat.HeaderSize - 2 + count);
            Bytes.PutU32(output, WireFormat.HeaderSize + count, crc);
            return WireFormat.HeaderSize + count + WireFormat.CrcSize;
        }
    }
}
