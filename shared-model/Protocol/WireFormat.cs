namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>
    /// The wire protocol between the host and the board (spec: wire-protocol.md). A frame is
    /// sync (0xA5 0x5A), payload length (u16), type (u8), sequence number (u16), payload, CRC-32 (u32)
    /// of everything after the sync bytes up to the end of the payload; all little-endian. Both ends
    /// use this code: the firmware on nanoFramework, the host client and the emulator on .NET.
    /// </summary>
    public static class WireFormat
    {
        public const byte Sync0 = 0xA5;
        public const byte Sync1 = 0x5A;

        /// <summary>Protocol version, reported in the Hello reply; bumped on any incompatible change.</summary>
        public const ushort Version = 2;

        /// <summary>Sync, length, type and sequence number.</summary>
        public const int HeaderSize = 7;

        public const int CrcSize = 4;

        /// <summary>Largest payload; longer length fields are treated as line noise.</summary>
        public const int MaxPayload = 1024;

        public const int MaxFrame = HeaderSize + MaxPayload + CrcSize;

        /// <summary>Model bytes carried by one UploadChunk (payload: u32 offset + data).</summary>
        public const int ChunkSize = 512;

        /// <summary>
        /// Bins of the loop-start lateness histogram (JitterReply: this many u32 counts). Bin 0 counts
        /// steps started less than 1 µs after their due time, bin k (1 … 14) those late by
        /// [2^(k−1), 2^k) µs, bin 15 those late by 16.384 ms or more.
        /// </summary>
        public const int JitterBins = 16;

        /// <summary>The histogram bin of a lateness in µs.</summary>
        public static int JitterBin(long lateUs)
        {
            int bin = 0;
            while (lateUs >= 1 && bin < JitterBins - 1)
            {
                lateUs >>= 1;
                bin++;
            }

            return bin;
        }
    }

    /// <summary>Frame types. Host → board commands below 0x80; board → host replies and telemetry from 0x80.</summary>
    public static class MessageType
    {
        public const byte Hello = 0x01;
        public const byte UploadBegin = 0x02;
        public const byte UploadChunk = 0x03;
        public const byte UploadCommit = 0x04;
        public const byte Start = 0x05;
        public const byte Stop = 0x06;
        public const byte Status = 0x07;
        public const byte Calibrate = 0x08;
        public const byte Jitter = 0x09;

        public const byte Ack = 0x80;
        public const byte HelloReply = 0x81;
        public const byte StatusReply = 0x87;
        public const byte JitterReply = 0x89;
        public const byte Telemetry = 0x90;
    }

    /// <summary>Status codes of an Ack (the detail field carries a number: offset, model status, …).</summary>
    public static class AckStatus
    {
        public const byte Ok = 0;
        public const byte UnknownCommand = 1;
        public const byte BadPayload = 2;
        public const byte NoUpload = 3;
        public const byte OutOfOrder = 4;
        public const byte TooLarge = 5;
        public const byte CrcMismatch = 6;
        public const byte InvalidModel = 7;
        public const byte NoModel = 8;
        public const byte Busy = 9;
        public const byte RateTooHigh = 10;
        public const byte BadConfiguration = 11;
        public const byte NotRunning = 12;
        public const byte Incomplete = 13;

        public static string Name(byte status)
        {
            switch (status)
            {
                case Ok: return "ok";
                case UnknownCommand: return "unknown command";
                case BadPayload: return "malformed payload";
                case NoUpload: return "no upload in progress";
                case OutOfOrder: return "chunk out of order";
                case TooLarge: return "model larger than the board's store";
                case CrcMismatch: return "uploaded bytes do not match the announced CRC";
                case InvalidModel: return "model failed validation";
                case NoModel: return "no valid model on the board";
                case Busy: return "not while the loop runs";
                case RateTooHigh: return "step rate above what the board can hold";
                case BadConfiguration: return "bad run configuration";
                case NotRunning: return "the loop is not running";
                case Incomplete: return "upload incomplete";
                default: return "status " + status.ToString();
            }
        }
    }
}
