namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>Little-endian field access in byte arrays (payloads and frames); nanoFramework-safe, allocation-free.</summary>
    public static class Bytes
    {
        public static void PutU16(byte[] b, int at, int value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
        }

        public static void PutU32(byte[] b, int at, uint value)
        {
            b[at] = (byte)value;
            b[at + 1] = (byte)(value >> 8);
            b[at + 2] = (byte)(value >> 16);
            b[at + 3] = (byte)(value >> 24);
        }

        public static void PutI32(byte[] b, int at, int value)
        {
            PutU32(b, at, (uint)value);
        }

        public static int GetU16(byte[] b, int at)
        {
            return b[at] | (b[at + 1] << 8);
        }

        public static uint GetU32(byte[] b, int at)
        {
            return (uint)(b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24));
        }

        public static int GetI32(byte[] b, int at)
        {
            return (int)GetU32(b, at);
        }

        /// <summary>Writes a length-prefixed (u8) ASCII string, truncated to 255 characters; returns the bytes written.</summary>
        public static int PutString(byte[] b, int at, string text)
        {
            int length = text.Length > 255 ? 255 : text.Length;
            b[at] = (byte)length;
            for (int i = 0; i < length; i++)
            {
                char c = text[i];
                b[at + 1 + i] = (byte)(c < 128 ? c : '?');
            }

            return 1 + length;
        }

        /// <summary>Reads a length-prefixed ASCII string written by <see cref="PutString"/>; null if it runs past <paramref name="end"/>.</summary>
        public static string GetString(byte[] b, int at, int end)
        {
            if (at >= end)
            {
                return null;
            }

            int length = b[at];
            if (at + 1 + length > end)
            {
                return null;
            }

            char[] chars = new char[length];
            for (int i = 0; i < length; i++)
            {
                chars[i] = (char)b[at + 1 + i];
            }

            return new string(chars);
        }
    }
}
