using System;
using System.Device.Adc;

namespace RmmEdge.Firmware.Hardware
{
    /// <summary>
    /// One ADC channel. Reads raw codes; the conversion to millivolts of membrane potential belongs to
    /// the board's calibration (amplifier gain and level shift), applied by the loop in integer form.
    /// </summary>
    public sealed class AdcInput : IDisposable
    {
        private readonly AdcChannel _channel;
        private readonly int _maxCode;
        private bool _disposed;

        /// <param name="controller">The board's ADC controller (new AdcController()).</param>
        /// <param name="channelNumber">Logical channel (ESP32: 0 = GPIO36; F769: 0 = PA6 / Arduino A0).</param>
        public AdcInput(AdcController controller, int channelNumber)
        {
            if (controller == null)
            {
                throw new ArgumentNullException("controller");
            }

            if (channelNumber < 0 || channelNumber >= controller.ChannelCount)
            {
                throw new ArgumentOutOfRangeException("channelNumber",
                    "must be 0.." + (controller.ChannelCount - 1).ToString() + ", was " + channelNumber.ToString());
            }

            _maxCode = controller.MaxValue;
            _channel = controller.OpenChannel(channelNumber);
        }

        /// <summary>Largest code the converter returns (4095 for the 12-bit ESP32 and STM32 ADCs).</summary>
        public int MaxCode
        {
            get { return _maxCode; }
        }

        /// <summary>One conversion, as a raw code in [0, MaxCode]. Allocation-free.</summary>
        public int Read()
        {
            return _channel.ReadValue();
        }

        /// <summary>Releases the channel. Safe to call twice.</summary>
        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _channel.Dispose();
        }
    }
}
