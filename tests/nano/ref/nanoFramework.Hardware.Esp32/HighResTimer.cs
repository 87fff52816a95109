// Reference declarations of the ESP32 high-resolution timer from nanoFramework.Hardware.Esp32 1.6
// (nanoframework-facts.md §4.1). GetCurrent() is esp_timer_get_time(): µs since boot. The expiry
// event runs interpreted through the managed scheduler, so a hard-timed loop busy-waits on
// GetCurrent() instead of relying on the event.

namespace nanoFramework.Hardware.Esp32
{
    public delegate void HighResTimerExpiredEventHandler(HighResTimer sender, object e);

    public class HighResTimer : System.IDisposable
    {
        public HighResTimer() { }
        public static ulong GetCurrent() => throw null;
        public void StartOneShot(ulong timeout_us) => throw null;
        public void StartOnePeriodic(ulong period_us) => throw null;
        public void Stop() => throw null;
        public void Dispose() => throw null;
        public event HighResTimerExpiredEventHandler OnHighResTimerExpired;
    }
}
