using System;
using System.Device.Dac;

namespace RmmEdge.Firmware.Hardware
{
    /// <summary>
    /// One DAC channel that never wraps: every code is clipped to [0, MaxCode] before it reaches the
    /// driver. This matters on ESP32, whose native WriteValue masks to 8 bits (256 becomes 0, a full
    /// swing of injected current). Dispose leaves the output at <see cref="SafeCode"/>, the code the
    /// analog front end turns into zero current.
    /// </summary>
    public sealed class DacOutput : IDisposable
    {
        private readonly DacChannel _channel;
        private readonly int _maxCode;
        private readonly int _safeCode;
        private int _clippedWrites;
        private bool _disposed;

        /// <param name="controller">The board's DAC controller (DacController.GetDefault()).</param>
        /// <param name="channelNumber">Channel to open (ESP32: 0 = GPIO25, 1 = GPIO26; F769: 0 = PA4).</param>
        /// <param name="safeCode">Code that means zero output current; written at start and on Dispose.</param>
        public DacOutput(DacController controller, int channelNumber, int safeCode)
        {
            if (controller == null)
            {
                throw new ArgumentNullException("controller");
            }

            int bits = controller.ResolutionInBits;
            if (bits < 1 || bits > 16)
            {
                throw new ArgumentOutOfRangeException("controller", "DAC resolution must be 1..16 bits, was " + bits.ToString());
            }

            _maxCode = (1 << bits) - 1;
            if (safeCode < 0 || safeCode > _maxCode)
            {
                throw new ArgumentOutOfRangeException("safeCode", "must be 0.." + _maxCode.ToString() + ", was " + safeCode.ToString());
            }

            _safeCode = safeCode;
            _channel = controller.OpenChannel(channelNumber);
            _channel.WriteValue((ushort)_safeCode);
        }

        /// <summary>Largest code the converter accepts: 2^bits − 1.</summary>
        public int MaxCode
        {
            get { return _maxCode; }
        }

        /// <summary>Code for zero output current.</summary>
        public int SafeCode
        {
            get { return _safeCode; }
        }

        /// <summary>How many writes were clipped since start: a sign that the current limit or the scaling is wrong.</summary>
        public int ClippedWrites
        {
            get { return _clippedWrites; }
        }

        /// <summary>Writes <paramref name="code"/> clipped to [0, MaxCode]. Allocation-free; safe in the loop.</summary>
        public void Write(int code)
        {
            if (code < 0)
            {
                code = 0;
                _clippedWrites++;
            }
            else if (code > _maxCode)
            {
                code = _maxCode;
                _clippedWrites++;
            }

            _channel.WriteValue((ushort)code);
        }

        /// <summary>Puts the output at zero current.</summary>
        public void WriteSafe()
        {
            _channel.WriteValue((ushort)_safeCode);
        }

        /// <summary>Leaves the output at zero current, then releases the channel. Safe to call twice.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _channel.WriteValue((ushort)_safeCode);
            _channel.Dispose();
        }
    }
}
