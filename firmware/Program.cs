using System.Device.Adc;
using System.Device.Dac;
using System.Threading;
using RmmEdge.Firmware.Hardware;

namespace RmmEdge.Firmware
{
    /// <summary>
    /// Entry point of the nanoFramework application. At boot the output goes to zero current first,
    /// before anything else can fail; the loop engines, modes, model store and command server are
    /// built on top of this (see firmware/README.md).
    /// </summary>
    public static class Program
    {
        /// <summary>DAC code for zero current on a mid-scale level-shifted front end (12-bit).</summary>
        private const int DefaultSafeCode = 2048;

        public static void Main()
        {
            DacController dac = DacController.GetDefault();
            int safeCode = dac.ResolutionInBits >= 12 ? DefaultSafeCode : (1 << (dac.ResolutionInBits - 1));
            using (DacOutput output = new DacOutput(dac, 0, safeCode))
            using (AdcInput input = new AdcInput(new AdcController(), 0))
            {
                output.WriteSafe();
                Thread.Sleep(Timeout.Infinite);
            }
        }
    }
}
