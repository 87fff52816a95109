namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>What a board says about itself in its Hello reply: the host plans uploads and rates from it.</summary>
    public sealed class BoardInfo
    {
        public const byte EngineManaged = 1, EngineNative = 2;

        public ushort ProtocolVersion;
        public ushort FirmwareVersion;
        public string BoardId;

        /// <summary>Bit set of the loop engines present (<see cref="EngineManaged"/>, <see cref="EngineNative"/>).</summary>
        public byte Engines;

        /// <summary>Highest step rate each engine holds with a typical model (Hz; 0 when the engine is absent).</summary>
        public uint ManagedMaxHz;
        public uint NativeMaxHz;
        public byte AdcBits;
        public byte DacBits;

        /// <summary>Largest .rmmq file the model store takes (bytes).</summary>
        public uint MaxModelBytes;

        public int Encode(byte[] b, int at)
        {
            int start = at;
            Bytes.PutU16(b, at, ProtocolVersion); at += 2;
            Bytes.PutU16(b, at, FirmwareVersion); at += 2;
            b[at++] = Engines;
            Bytes.PutU32(b, at, ManagedMaxHz); at += 4;
            Bytes.PutU32(b, at, NativeMaxHz); at += 4;
            b[at++] = AdcBits;
            b[at++] = DacBits;
            Bytes.PutU32(b, at, MaxModelBytes); at += 4;
            at += Bytes.PutString(b, at, BoardId == null ? "" : BoardId);
            return at - start;
        }

        /// <summary>Decodes a Hello reply payload; null if it is malformed.</summary>
        public static BoardInfo Decode(byte[] b, int at, int count)
        {
            int end = at + count;
            if (count < 18)
            {
                return null;
            }

            BoardInfo info = new BoardInfo();
            info.ProtocolVersion = (ushort)Bytes.GetU16(b, at); at += 2;
            info.FirmwareVersion = (ushort)Bytes.GetU16(b, at); at += 2;
            info.Engines = b[at++];
            info.ManagedMaxHz = Bytes.GetU32(b, at); at += 4;
            info.NativeMaxHz = Bytes.GetU32(b, at); at += 4;
            info.AdcBits = b[at++];
            info.DacBits = b[at++];
            info.MaxModelBytes = Bytes.GetU32(b, at); at += 4;
            info.BoardId = Bytes.GetString(b, at, end);
            return info.BoardId == null ? null : info;
        }
    }
}
