// Reference declarations of nanoFramework.System.Device.Adc 1.1 (nanoframework-facts.md §1.1).
// The controller is constructed with `new AdcController()`; there is no GetDefault() on the ADC.

namespace System.Device.Adc
{
    public enum AdcChannelMode { SingleEnded = 0, Differential = 1 }

    public abstract class AdcControllerBase
    {
        public abstract bool IsChannelModeSupported(AdcChannelMode channelMode);
        public abstract AdcChannel OpenChannel(int channelNumber);
        public abstract int ChannelCount { get; }
        public abstract AdcChannelMode ChannelMode { get; set; }
        public abstract int MaxValue { get; }
        public abstract int MinValue { get; }
        public abstract int ResolutionInBits { get; }
    }

    public class AdcController : AdcControllerBase
    {
        public AdcController() { }
        public override bool IsChannelModeSupported(AdcChannelMode channelMode) => throw null;
        public override AdcChannel OpenChannel(int channelNumber) => throw null;
        public override int ChannelCount => throw null;
        public override AdcChannelMode ChannelMode { get => throw null; set { } }
        public override int MaxValue => throw null;
        public override int MinValue => throw null;
        public override int ResolutionInBits => throw null;
    }

    public abstract class AdcChannelBase
    {
        public abstract int ReadValue();
        public double ReadRatio() => throw null;
        public AdcController Controller => throw null;
    }

    /// <summary>ReadValue takes a lock and makes an InternalCall: about 100 µs per call on ESP32.</summary>
    public class AdcChannel : AdcChannelBase, IDisposable
    {
        public override int ReadValue() => throw null;
        public void Dispose() => throw null;
    }
}
