namespace RmmEdge.SharedModel.Format
{
    /// <summary>
    /// CRC-32 as in IEEE 802.3, zlib and PNG: reflected polynomial 0xEDB88320, initial value
    /// 0xFFFFFFFF, final XOR 0xFFFFFFFF. Check value: CRC of the ASCII bytes "123456789" is 0xCBF43926.
    /// Used by the .rmmq model file and by the wire protocol; the C kernel's twin uses the same rule.
    /// </summary>
    public static class Crc32
    {
        /// <summary>The CRC register value before any byte is fed in.</summary>
        public const uint Initial = 0xFFFFFFFF;

        private static readonly uint[] s_table = BuildTable();

        /// <summary>CRC-32 of <paramref name="count"/> bytes of <paramref name="data"/> from <paramref name="offset"/>.</summary>
        public static uint Compute(byte[] data, int offset, int count)
        {
            return Finish(Update(Initial, data, offset, count));
        }

        /// <summary>
        /// Feeds bytes into a running CRC register (start from <see cref="Initial"/>, end with
        /// <see cref="Finish"/>). Lets a receiver check a message that arrives in chunks, allocation-free.
        /// </summary>
        public static uint Update(uint register, byte[] data, int offset, int count)
        {
            uint crc = register;
            int end = offset + count;
            for (int i = offset; i < end; i++)
            {
                crc = s_table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
            }

            return crc;
        }

        /// <summary>Turns a running register into the CRC value (final XOR).</summary>
        public static uint Finish(uint register)
        {
            return register ^ 0xFFFFFFFF;
        }

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }

                table[n] = c;
            }

            return table;
        }
    }
}
