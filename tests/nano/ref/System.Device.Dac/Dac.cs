// Reference declarations of nanoFramework.System.Device.Dac 1.5 (nanoframework-facts.md §1.2).
// Not symmetric with the ADC: DacController.GetDefault(), sealed classes. On ESP32 the native
// WriteValue masks the value with 0xFF: 256 becomes 0 (it wraps; callers must clip).

namespace System.Device.Dac
{
    public sealed class DacController
    {
        internal DacController() { }
        public static DacController GetDefault() => throw null;
        public static string GetDeviceSelector() => throw null;
        public int ChannelCount => throw null;
        public int ResolutionInBits => throw null;
        public DacChannel OpenChannel(int channelNumber) => throw null;
    }

    public sealed class DacChannel : IDisposable
    {
        internal DacChannel() { }
        public DacController Controller => throw null;
        public void WriteValue(ushort value) => throw null;
        public void Dispose() => throw null;
    }

    [Serializable]
    public class DacChannelAlreadyInUseException : Exception
    {
        public DacChannelAlreadyInUseException() { }
        public DacChannelAlreadyInUseException(string message) { }
    }
}
