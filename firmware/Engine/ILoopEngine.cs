using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Engine
{
    /// <summary>What the command server needs of a loop engine, managed or native.</summary>
    public interface ILoopEngine
    {
        bool Running { get; }

        /// <summary>Starts the loop; null on success, else the reason it cannot.</summary>
        string Start(byte[] file, RmmqModel model, uint modelCrc, RunConfiguration config);

        void Stop(byte reason);

        LoopStatus Snapshot();

        /// <summary>Copies the loop-start lateness histogram since the last start (WireFormat.JitterBins counts).</summary>
        void Jitter(uint[] bins);

        /// <summary>Applies a converter calibration (only while stopped).</summary>
        void Calibrate(Calibration calibration);
    }
}
