using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Rig.Board;

/// <summary>
/// Turns a board profile and a front-end preset into the converter calibration the board applies
/// (wire-protocol Calibrate). ADC codes 0 … 2^bits − 1 span the pin voltages minVolts … maxVolts
/// linearly; the preset maps pin volts to membrane mV (and injected nA back to DAC pin volts). In the
/// emulator mode the roles swap: the input is the amplifier's command (nA) and the output the model's
/// membrane potential (mV).
/// </summary>
public static class CalibrationFactory
{
    public static Calibration From(BoardProfile board, FrontEndPreset preset, byte mode)
    {
        bool emulator = mode == RunConfiguration.ModeEmulator;
        double adcCodes = (1 << board.Adc.Bits) - 1, dacCodes = (1 << board.Dac.Bits) - 1;
        double inPerVolt = emulator ? preset.NaPerVolt : preset.MvPerVolt;     // input units per pin volt
        double outPerVolt = emulator ? preset.MvPerVolt : preset.NaPerVolt;    // output units per pin volt
        double inputPerCode = (board.Adc.MaxVolts - board.Adc.MinVolts) / adcCodes * inPerVolt;
        double inputAtZero = (board.Adc.MinVolts - preset.InputOffsetVolts) * inPerVolt;
        double codesPerVolt = dacCodes / (board.Dac.MaxVolts - board.Dac.MinVolts);
        double codesPerUnit = codesPerVolt / outPerVolt;
        double outputAtCodeZero = (board.Dac.MinVolts - preset.OutputOffsetVolts) * outPerVolt;
        var calibration = new Calibration
        {
            InputGain = Fixed(inputPerCode, 24, "input units per code"),
            InputOffset = Fixed(inputAtZero, 16, "input at code 0"),
            OutputGain = Fixed(codesPerUnit, 16, "codes per output unit"),
            OutputOffset = Fixed(outputAtCodeZero, 16, "output at code 0"),
            OutputMaxCode = (int)dacCodes,
        };
        return calibration;
    }

    private static int Fixed(double value, int fractionBits, string what)
    {
        double scaled = Math.Round(value * (1L << fractionBits));
        if (!(Math.Abs(scaled) < int.MaxValue) || (value != 0 && scaled == 0))
        {
            throw new UserError($"the board profile's front end gives {what} = {value:G4}, which the calibration cannot represent; check the preset's gains");
        }

        return (int)scaled;
    }
}
