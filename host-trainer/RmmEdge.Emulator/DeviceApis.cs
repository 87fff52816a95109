#nullable enable
// Host look-alikes of the nanoFramework device APIs that firmware/Hardware uses, with the same
// namespaces and members as the nanoFramework 1.x packages (tests/nano/ref), backed by the
// VirtualBoard of the running emulation: the firmware's AdcInput, DacOutput and Esp32Clock compile
// and run unchanged against them.
using RmmEdge.Emulator;

namespace System.Device.Adc
{
    public enum AdcChannelMode { SingleEnded = 0, Differential = 1 }

    public class AdcController
    {
        private readonly VirtualBoard _board = VirtualBoard.Active ?? throw new InvalidOperationException("no virtual board is active");

        public int ChannelCount => 20;

        public int MaxValue => _board.AdcMaxCode;

        public int MinValue => 0;

        public int ResolutionInBits => _board.Profile.Adc.Bits;

        public AdcChannelMode ChannelMode { get; set; }

        public bool IsChannelModeSupported(AdcChannelMode mode) => mode == AdcChannelMode.SingleEnded;

        public AdcChannel OpenChannel(int channelNumber) => new(_board, channelNumber);
    }

    public class AdcChannel : IDisposable
    {
        private readonly VirtualBoard _board;
        private readonly int _channel;

        internal AdcChannel(VirtualBoard board, int channel)
        {
            _board = board;
            _channel = channel;
        }

        public int ReadValue() => _board.ReadAdc(_channel);

        public void Dispose()
        {
        }
    }
}

namespace System.Device.Dac
{
    public sealed class DacController
    {
        private readonly VirtualBoard _board;

        private DacController(VirtualBoard board) => _board = board;

        public static DacController GetDefault() => new(VirtualBoard.Active ?? throw new InvalidOperationException("no virtual board is active"));

        public static string GetDeviceSelector() => "DAC1";

        public int ChannelCount => 2;

        public int ResolutionInBits => _board.Profile.Dac.Bits;

        public DacChannel OpenChannel(int channelNumber) => new(_board, channelNumber, this);
    }

    public sealed class DacChannel : IDisposable
    {
        private readonly VirtualBoard _board;
        private readonly int _channel;

        internal DacChannel(VirtualBoard board, int channel, DacController controller)
        {
            _board = board;
            _channel = channel;
            Controller = controller;
        }

        public DacController Controller { get; }

        /// <summary>As the real drivers: on a board whose driver masks (ESP32), 256 becomes 0.</summary>
        public void WriteValue(ushort value) => _board.WriteDac(_channel, value);

        public void Dispose()
        {
        }
    }
}

namespace nanoFramework.Hardware.Esp32
{
    public class HighResTimer
    {
        /// <summary>Microseconds since boot on the active virtual board's clock (each read costs its latency).</summary>
        public static ulong GetCurrent() => (ulong)(VirtualBoard.Active ?? throw new InvalidOperationException("no virtual board is active")).Clock.NowUs;
    }
}
