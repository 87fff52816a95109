using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Store
{
    /// <summary>
    /// Two model slots: the active one (what the loop runs) and the upload slot. An upload is written
    /// to the upload slot, checked against the announced size and CRC, validated by the .rmmq reader,
    /// and only then made active. A failed, corrupt or interrupted upload leaves the active model
    /// untouched; a new upload simply replaces an unfinished one.
    /// </summary>
    public sealed class ModelStore
    {
        private readonly int _capacity;
        private byte[] _upload;
        private uint _uploadCrc;
        private int _received;

        /// <param name="capacity">Largest model file accepted (bytes).</param>
        public ModelStore(int capacity)
        {
            _capacity = capacity;
        }

        public int Capacity
        {
            get { return _capacity; }
        }

        /// <summary>The running model's file (null before any model is loaded).</summary>
        public byte[] ActiveFile { get; private set; }

        public RmmqModel ActiveModel { get; private set; }

        public uint ActiveCrc { get; private set; }

        /// <summary>Bumped whenever the active model changes, so the loop notices a switch.</summary>
        public int Generation { get; private set; }

        public bool UploadInProgress
        {
            get { return _upload != null; }
        }

        /// <summary>Installs a model directly (the default model at boot); returns its load status.</summary>
        public ModelLoadResult Install(byte[] file)
        {
            ModelLoadResult result = RmmqReader.Load(file);
            if (result.Ok)
            {
                Activate(file, result.Model);
            }

            return result;
        }

        public byte Begin(uint size, uint crc)
        {
            if (size == 0 || size > (uint)_capacity)
            {
                return AckStatus.TooLarge;
            }

            _upload = new byte[size];   // allocation outside the loop; the old upload slot is dropped
            _uploadCrc = crc;
            _received = 0;
            return AckStatus.Ok;
        }

        /// <summary>Chunks must arrive in order; a repeated chunk (a retransmission) is accepted again.</summary>
        public byte Write(uint offset, byte[] data, int at, int count)
        {
            if (_upload == null)
            {
                return AckStatus.NoUpload;
            }

            if (offset > (uint)_received || offset + (uint)count > (uint)_upload.Length)
            {
                return AckStatus.OutOfOrder;
            }

            System.Array.Copy(data, at, _upload, (int)offset, count);
            int end = (int)offset + count;
            if (end > _received)
            {
                _received = end;
            }

            return AckStatus.Ok;
        }

        /// <summary>
        /// Verifies and activates the upload. <paramref name="detail"/> receives the model status code
        /// (RmmqFormat ModelStatus) or the received byte count; <paramref name="message"/> the reason.
        /// </summary>
        public byte Commit(out int detail, out string message)
        {
            detail = 0;
            message = "";
            if (_upload == null)
            {
                return AckStatus.NoUpload;
            }

            byte[] file = _upload;
            _upload = null;
            if (_received != file.Length)
            {
                detail = _received;
                message = "received " + _received.ToString() + " of " + file.Length.ToString() + " bytes";
                return AckStatus.Incomplete;
            }

            if (Crc32.Compute(file, 0, file.Length) != _uploadCrc)
            {
                message = "CRC of the received bytes differs from the announced one";
                return AckStatus.CrcMismatch;
            }

            ModelLoadResult result = RmmqReader.Load(file);
            if (!result.Ok)
            {
                detail = (int)result.Status;
                message = result.ToString();
                return AckStatus.InvalidModel;
            }

            Activate(file, result.Model);
            return AckStatus.Ok;
        }

        private void Activate(byte[] file, RmmqModel model)
        {
            ActiveFile = file;
            ActiveModel = model;
            ActiveCrc = Crc32.Compute(file, 0, file.Length);
            Generation++;
        }
    }
}
