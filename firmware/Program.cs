using System.Device.Adc;
using System.Device.Dac;
using System.Threading;
using RmmEdge.Firmware.Engine;
using RmmEdge.Firmware.Hardware;
using RmmEdge.Firmware.Server;
using RmmEdge.Firmware.Store;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware
{
    /// <summary>
    /// Entry point of the nanoFramework application (ESP32-DevKitC wiring, boards/esp32-devkitc.json:
    /// two ADC/DAC pairs, so a run may clamp one cell or two).
    /// The output goes to zero current before anything else can fail; then the model store, the loop
    /// engines (the native one when this image carries it) and the command server on COM2 start. The
    /// board runs no model until one is found in storage at boot or uploaded, and validated.
    /// </summary>
    public static class Program
    {
        private const int AdcChannel = 6;          // GPIO34, cell 1
        private const int DacChannel = 0;          // GPIO25, cell 1
        private const int AdcChannel2 = 7;         // GPIO35, cell 2 (two-cell runs)
        private const int DacChannel2 = 1;         // GPIO26, cell 2
        private const string HostPort = "COM2";    // GPIO16/17 through a USB-serial adapter
        private const int Baud = 921600;
        private const int StoreBytes = 64 * 1024;         // two slots must fit the 256 KB littlefs partition
        private const string StorageFolder = "I:\\";     // ESP32 internal littlefs

        public static void Main()
        {
            DacController dac = DacController.GetDefault();
            Calibration calibration = SafeDefault(dac.ResolutionInBits);
            DacOutput dacOutput = new DacOutput(dac, DacChannel, calibration.ToCode(0));
            AdcController adc = new AdcController();
            AdcInput adcInput = new AdcInput(adc, AdcChannel);
            CalibratedOutput output = new CalibratedOutput(dacOutput, calibration);
            CalibratedInput input = new CalibratedInput(adcInput, calibration);
            output.WriteSafe();
            CalibratedOutput output2 = new CalibratedOutput(new DacOutput(dac, DacChannel2, calibration.ToCode(0)), calibration);
            CalibratedInput input2 = new CalibratedInput(new AdcInput(adc, AdcChannel2), calibration);
            output2.WriteSafe();

            // The last committed model that still verifies runs again after a reset (ModelStore.LoadDefault).
            ModelStore store = new ModelStore(StoreBytes, new FileModelStorage(StorageFolder));
            store.LoadDefault();
            Esp32Clock clock = new Esp32Clock();
            ManagedEngine managed = new ManagedEngine(clock, input, output, input2, output2);
            ILoopEngine native = NativeEngine.Present ? new NativeEngine() : null;
            BoardInfo board = new BoardInfo();
            board.ProtocolVersion = WireFormat.Version;
            board.FirmwareVersion = 1;
            board.BoardId = "esp32-devkitc";
            board.Engines = (byte)(BoardInfo.EngineManaged | (native != null ? BoardInfo.EngineNative : 0));
            board.ManagedMaxHz = 2000;
            board.NativeMaxHz = native != null ? 20000u : 0u;
            board.AdcBits = 12;
            board.DacBits = (byte)dac.ResolutionInBits;
            board.MaxModelBytes = StoreBytes;

            CommandServer server = new CommandServer(new SerialLink(HostPort, Baud), store, managed, native, board, clock);
            while (true)
            {
                if (!server.Poll())
                {
                    Thread.Sleep(1);
                }
            }
        }

        /// <summary>Until the host calibrates: mid-scale output is zero current; the input reads codes as Q15.16 units.</summary>
        private static Calibration SafeDefault(int dacBits)
        {
            Calibration c = new Calibration();
            c.InputGain = 1 << 24;
            c.InputOffset = 0;
            c.OutputMaxCode = (1 << dacBits) - 1;
            c.OutputGain = 1 << 16;
            c.OutputOffset = -((1 << (dacBits - 1)) << 16);   // code = value/65536 + half scale: 0 -> mid-scale
            return c;
        }
    }
}
