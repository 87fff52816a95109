namespace RmmEdge.Firmware.Engine
{
    /// <summary>A microsecond clock: HighResTimer.GetCurrent() on ESP32, a virtual clock in the emulator.</summary>
    public interface IMicrosecondClock
    {
        long NowUs { get; }
    }

    /// <summary>The measured signal, already in physical units: membrane voltage (mV) or command current (nA), Q15.16.</summary>
    public interface ISignalInput
    {
        int ReadQ16();
    }

    /// <summary>The output signal in physical units, Q15.16: injected current (nA) or emulated voltage (mV).</summary>
    public interface ISignalOutput
    {
        void WriteQ16(int value);

        /// <summary>Zero current (or rest voltage): what the output shows whenever the loop is not running.</summary>
        void WriteSafe();
    }

    /// <summary>Where loop telemetry goes (the command server sends it as Telemetry frames).</summary>
    public interface ITelemetrySink
    {
        void Send(RmmEdge.SharedModel.Protocol.LoopStatus status);
    }

    /// <summary>A signal whose conversion between codes and physical units the host sets (Calibrate command).</summary>
    public interface ICalibrated
    {
        RmmEdge.SharedModel.Protocol.Calibration Calibration { get; set; }
    }
}
