using RmmEdge.SharedModel.Format;

namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>
    /// Finds frames in a byte stream without allocating. Bytes go in with <see cref="Push"/>; frames
    /// come out with <see cref="TryRead"/> (call it until it returns false). The decoder hunts for the
    /// sync bytes, reads the header, payload and CRC, and accepts a frame only if the CRC matches.
    /// When a candidate fails (bad CRC, impossible length) every byte after its false sync is scanned
    /// again, so an intact frame that a damaged or truncated one had swallowed is still found.
    /// </summary>
    public sealed class FrameDecoder
    {
        private readonly byte[] _buffer = new byte[WireFormat.MaxFrame];
        private readonly byte[] _pending = new byte[2 * WireFormat.MaxFrame + 256];
        private int _pendingStart;
        private int _pendingEnd;
        private int _count;
        private int _expected;

        /// <summary>Candidate frames dropped because their CRC did not match.</summary>
        public int CrcErrors { get; private set; }

        /// <summary>Bytes skipped while hunting for a frame start.</summary>
        public int SkippedBytes { get; private set; }

        public byte Type { get; private set; }

        public ushort Sequence { get; private set; }

        public int PayloadLength { get; private set; }

        /// <summary>The buffer holding the last frame <see cref="TryRead"/> returned; its payload starts at <see cref="PayloadOffset"/>.</summary>
        public byte[] Buffer
        {
            get { return _buffer; }
        }

        public int PayloadOffset
        {
            get { return WireFormat.HeaderSize; }
        }

        /// <summary>Queues one received byte. Call <see cref="TryRead"/> after each call (or after a batch).</summary>
        public void Push(byte value)
        {
            if (_pendingEnd == _pending.Length)
            {
                Compact();
                if (_pendingEnd == _pending.Length)
                {
                    _pendingStart++;   // only if the caller never reads: drop the oldest byte rather than overflow
                    SkippedBytes++;
                    Compact();
                }
            }

            _pending[_pendingEnd++] = value;
        }

        /// <summary>Consumes queued bytes until a valid frame completes (true) or the queue is empty (false).</summary>
        public bool TryRead()
        {
            while (_pendingStart < _pendingEnd)
            {
                if (Feed(_pending[_pendingStart++]))
                {
                    return true;
                }
            }

            return false;
        }

        private bool Feed(byte value)
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
                    _count = 0;
                    Replay(value);
                }

                return false;
            }

            _buffer[_count++] = value;
            if (_count == 4)
            {
                int length = Bytes.GetU16(_buffer, 2);
                if (length > WireFormat.MaxPayload)
                {
                    Reject();
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
                Reject();
                return false;
            }

            Type = _buffer[4];
            Sequence = (ushort)Bytes.GetU16(_buffer, 5);
            PayloadLength = payload;
            _count = 0;
            return true;
        }

        /// <summary>Drops the false sync byte and puts every later byte back in front of the queue.</summary>
        private void Reject()
        {
            int taken = _count;
            _count = 0;
            SkippedBytes++;
            if (taken <= 1)
            {
                return;
            }

            int back = taken - 1;
            if (_pendingStart < back)
            {
                // Make room before the unread bytes (rare: only after a long bad candidate).
                int unread = _pendingEnd - _pendingStart;
                System.Array.Copy(_pending, _pendingStart, _pending, back, unread);
                _pendingStart = back;
                _pendingEnd = back + unread;
            }

            _pendingStart -= back;
            System.Array.Copy(_buffer, 1, _pending, _pendingStart, back);
        }

        /// <summary>Puts one byte back in front of the queue (a byte that may start the next frame).</summary>
        private void Replay(byte value)
        {
            if (value != WireFormat.Sync0)
            {
                return;
            }

            if (_pendingStart == 0)
            {
                System.Array.Copy(_pending, 0, _pending, 1, _pendingEnd);
                _pendingEnd++;
                _pendingStart = 1;
            }

            _pending[--_pendingStart] = value;
            SkippedBytes--;   // it was counted as skipped but will be read again
        }

        private void Compact()
        {
            int unread = _pendingEnd - _pendingStart;
            System.Array.Copy(_pending, _pendingStart, _pending, 0, unread);
            _pendingStart = 0;
            _pendingEnd = unread;
        }
    }
}
