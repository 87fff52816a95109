using RmmEdge.Firmware.Engine;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Hardware
{
    /// <summary>The ADC channel as a physical signal (Q15.16 mV or nA) through the board's calibration.</summary>
    public sealed class CalibratedInput : ISignalInput, ICalibrated
    {
        private readonly AdcInput _adc;

        public CalibratedInput(AdcInput adc, Calibration calibration)
        {
            _adc = adc;
            Calibration = calibration;
        }

        /// <summary>Replaced by the Calibrate command while the loop is stopped.</summary>
        public Calibration Calibration { get; set; }

        public int ReadQ16()
        {
            return Calibration.ToInput(_adc.Read());
        }
    }

    /// <summary>
    /// The DAC channel as a physical signal through the calibration: every value becomes a code clipped
    /// to the converter's range (DacOutput clips again: the ESP32 driver would wrap), and the safe value
    /// is the code of zero current.
    /// </summary>
    public sealed class CalibratedOutput : ISignalOutput, ICalibrated
    {
        private readonly DacOutput _dac;

        public CalibratedOutput(DacOutput dac, Calibration calibration)
        {
            _dac = dac;
            Calibration = calibration;
        }

        public Calibration Calibration { get; set; }

        public void WriteQ16(int value)
        {
            _dac.Write(Calibration.ToCode(value));
        }

        public void WriteSafe()
        {
            _dac.Write(Calibration.ToCode(0));
        }
    }
}
