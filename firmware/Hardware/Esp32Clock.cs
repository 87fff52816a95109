using nanoFramework.Hardware.Esp32;
using RmmEdge.Firmware.Engine;

namespace RmmEdge.Firmware.Hardware
{
    /// <summary>
    /// Microseconds since boot from esp_timer (HighResTimer.GetCurrent): the only managed µs clock on
    /// ESP32 (Environment.TickCount64 steps in 10 ms there; nanoframework-facts.md §4).
    /// </summary>
    public sealed class Esp32Clock : IMicrosecondClock
    {
        public long NowUs
        {
            get { return (long)HighResTimer.GetCurrent(); }
        }
    }
}
