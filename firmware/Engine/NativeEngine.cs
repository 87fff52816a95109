using System;
using System.Runtime.CompilerServices;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>
    /// The native engine's managed face: the loop itself is C (firmware/native/engine), driven by a
    /// hardware timer in a custom nanoFramework image that includes the RmmEdge interop library
    /// (firmware/native/interop, build steps in firmware/native/README.md). C# loads the model,
    /// calibrates, starts, stops and reads the status; nothing per step crosses into managed code.
    /// On a stock image the interop methods are missing and <see cref="Present"/> is false.
    /// </summary>
    public sealed class NativeEngine : ILoopEngine
    {
        private readonly byte[] _status = new byte[LoopStatus.EncodedSize];
        private readonly byte[] _config = new byte[RunConfiguration.EncodedSize];
        private readonly byte[] _calibration = new byte[Calibration.EncodedSize];
        private uint _modelCrc;
        private byte _stopReason;

        /// <summary>Whether this firmware image carries the native engine.</summary>
        public static bool Present
        {
            get
            {
                try
                {
                    return NativeVersion() >= 1;
                }
                catch (Exception)
                {
                    return false;   // NotImplementedException / missing native method on a stock image
                }
            }
        }

        public bool Running
        {
            get { return Snapshot().State == LoopStatus.StateRunning; }
        }

        public string Start(byte[] file, RmmqModel model, uint modelCrc, RunConfiguration config)
        {
            int status = NativeLoad(file);
            if (status != 0)
            {
                return "the native engine rejected the model (status " + status.ToString() + ")";
            }

            config.Encode(_config, 0);
            if (NativeStart(_config) != 0)
            {
                return "the native engine refused the run configuration (it checks the model, the period and the channels this image wires)";
            }

            _modelCrc = modelCrc;
            _stopReason = StopReason.None;
            return null;
        }

        public void Stop(byte reason)
        {
            bool wasRunning = Running;
            NativeStop();
            if (wasRunning)
            {
                _stopReason = reason;   // the C engine records every stop from here as "requested"
            }
        }

        public LoopStatus Snapshot()
        {
            NativeStatus(_status);
            LoopStatus status = LoopStatus.Decode(_status, 0, _status.Length);
            status.ModelCrc = _modelCrc;
            if (status.State == LoopStatus.StateStopped && status.Reason == StopReason.Requested && _stopReason != StopReason.None)
            {
                status.Reason = _stopReason;
            }

            return status;
        }

        public void Jitter(uint[] bins)
        {
            NativeJitter(bins);
        }

        public void Calibrate(Calibration calibration)
        {
            calibration.Encode(_calibration, 0);
            NativeCalibrate(_calibration);
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern int NativeVersion();

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern int NativeLoad(byte[] model);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeCalibrate(byte[] calibration);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern int NativeStart(byte[] configuration);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeStop();

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeStatus(byte[] status);

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern void NativeJitter(uint[] bins);
    }
}
