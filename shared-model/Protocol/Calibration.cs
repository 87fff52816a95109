namespace RmmEdge.SharedModel.Protocol
{
    /// <summary>
    /// How converter codes map to physiology (the Calibrate command, 20 bytes; the host computes it from
    /// the board profile's front-end preset):
    ///   input  (Q15.16) = ((code · InputGain) &gt;&gt; 8) + InputOffset     InputGain: units per code, Q8.24
    ///   output (code)   = ((value − OutputOffset) · OutputGain + 2³¹) &gt;&gt; 32   OutputGain: codes per unit, Q16.16
    /// and output codes are clipped to [0, OutputMaxCode] before a DAC sees them. The output code is
    /// rounded to nearest: truncation would bias every injected current by half a DAC step toward
    /// negative (6.5 pA on the ESP32's 8-bit DAC), and a dynamic-clamp half-centre run on the ESP32
    /// measurably slowed under that bias (+5.8 % period against float; +0.3 % with a 12-bit DAC).
    /// </summary>
    public sealed class Calibration
    {
        public const int EncodedSize = 20;

        public int InputGain;
        public int InputOffset;
        public int OutputGain;
        public int OutputOffset;
        public int OutputMaxCode;

        public int ToInput(int code)
        {
            return (int)((((long)code * InputGain) >> 8) + InputOffset);
        }

        public int ToCode(int value)
        {
            long code = ((((long)value - OutputOffset) * OutputGain) + (1L << 31)) >> 32;
            return code < 0 ? 0 : code > OutputMaxCode ? OutputMaxCode : (int)code;
        }

        public int Encode(byte[] b, int at)
        {
            Bytes.PutI32(b, at, InputGain);
            Bytes.PutI32(b, at + 4, InputOffset);
            Bytes.PutI32(b, at + 8, OutputGain);
            Bytes.PutI32(b, at + 12, OutputOffset);
            Bytes.PutI32(b, at + 16, OutputMaxCode);
            return EncodedSize;
        }

        /// <summary>Decodes a Calibrate payload; null if malformed (wrong size, zero gain, no output range).</summary>
        public static Calibration Decode(byte[] b, int at, int count)
        {
            if (count != EncodedSize)
            {
                return null;
            }

            Calibration c = new Calibration();
            c.InputGain = Bytes.GetI32(b, at);
            c.InputOffset = Bytes.GetI32(b, at + 4);
            c.OutputGain = Bytes.GetI32(b, at + 8);
            c.OutputOffset = Bytes.GetI32(b, at + 12);
            c.OutputMaxCode = Bytes.GetI32(b, at + 16);
            return c.InputGain == 0 || c.OutputGain == 0 || c.OutputMaxCode <= 0 ? null : c;
        }
    }
}
