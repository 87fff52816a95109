using RmmEdge.SharedModel.Format;

namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>
    /// Finds frames in a byte stream, one byte at a time, without allocating: hunts for the sync
    /// bytes, reads the header, the payload and the CRC, and accepts the frame only if the CRC
    /// matches. After a bad CRC or an impossible length it resumes the hunt at the byte after the
    /// false sync, so line noise or a frame cut off mid-way costs at most that frame.
    /// </summary>
    public sealed class FrameDecoder
    {
        private readonly byte[] _buffer = new byte[WireFormat.MaxFrame];
        private int _count;
        private int _expected;

        /// <summary>Frames dropped because their CRC did not match.</summary>
        public int CrcErrors { get; private set; }

        /// <summary>Bytes skipped while hunting for a frame start.</summary>
        public int SkippedBytes { get; private set; }

        public byte Type { get; private set; }

        public ushort Sequence { get; private set; }

        public int PayloadLength { get; private set; }

        /// <summary>The buffer holding the last complete frame; its payload starts at <see cref="PayloadOffset"/>.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        public int PayloadOffset
        {
            get { return WireFormat.HeaderSize; }
        }

        /// <summary>Feeds one byte; returns true when it completes a valid frame (valid until the next call).</summary>
        public bool Push(byte value)
        {
            if (_count == 0)
            {
                if (value == WireFormat.Sync0)
                {
                    _buffer[_count++] = value;
                }
                else
                {
                    SkippedBytes++;
                }

                return false;
            }

            if (_count == 1)
            {
                if (value == WireFormat.Sync1)
                {
                    _buffer[_count++] = value;
                }
                else
                {
                    SkippedBytes++;
                    _count = value == WireFormat.Sync0 ? 1 : 0;
                }

                return false;
            }

            _buffer[_count++] = value;
            if (_count == 4)
            {
                int length = Bytes.GetU16(_buffer, 2);
                if (length > WireFormat.MaxPayload)
                {
                    Resync();
                    return false;
                }

                _expected = WireFormat.HeaderSize + length + WireFormat.CrcSize;
            }

            if (_count < WireFormat.HeaderSize || _count < _expected)
            {
                return false;
            }

            int payload = _expected - WireFormat.HeaderSize - WireFormat.CrcSize;
            uint crc = Crc32.Compute(_buffer, 2, WireFormat.HeaderSize - 2 + payload);
            if (crc != Bytes.GetU32(_buffer, WireFormat.HeaderSize + payload))
            {
                CrcErrors++;
                Resync();
                return false;
            }

            Type = _buffer[4];
            Sequence = (ushort)Bytes.GetU16(_buffer, 5);
            PayloadLength = payload;
            _count = 0;
            return true;
        }

        /// <summary>Restarts the hunt inside the bytes already taken, after the false sync at position 0.</summary>
        private void Resync()
        {
            int taken = _count;
            _count = 0;
            for (int i = 1; i < taken; i++)
            {
                // Re-feed; a frame cannot complete within these bytes, since they held no valid one before.
                byte b = _buffer[i];
                if (_count == 0)
                {
                    if (b == WireFormat.Sync0) { _buffer[_count++] = b; } else { SkippedBytes++; }
                }
                else if (_count == 1)
                {
                    if (b == WireFormat.Sync1) { _buffer[_count++] = b; }
                    else { SkippedBytes++; _count = b == WireFormat.Sync0 ? 1 : 0; }
                }
                else
                {
                    _buffer[_count++] = b;
                }
            }

            if (_count >= 4)
            {
                int length = Bytes.GetU16(_buffer, 2);
                if (length > WireFormat.MaxPayload)
                {
                    Resync();
                    return;
                }

                _expected = WireFormat.HeaderSize + length + WireFormat.CrcSize;
            }
        }
    }
}
