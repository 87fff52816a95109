using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Firmware.Store
{
    /// <summary>
    /// Two model slots: the active one (what the loop runs) and the upload slot. An upload is written
    /// to the upload slot, checked against the announced size and CRC, validated by the .rmmq reader,
    /// and only then made active. A failed, corrupt or interrupted upload leaves the active model
    /// untouched; a new upload simply replaces an unfinished one. With storage, an activated model is
    /// also written to the storage slot the running model does not occupy, and only then does a one-byte
    /// marker name that slot: at boot (<see cref="LoadDefault"/>) the marked slot is loaded and verified,
    /// and if it fails (a write cut by power loss), the other slot — the previous model — is used.
    /// </summary>
    public sealed class ModelStore
    {
        public const string SlotA = "rmmedge-model-a.rmmq", SlotB = "rmmedge-model-b.rmmq", Marker = "rmmedge-active";

        private readonly int _capacity;
        private readonly IModelStorage _storage;
        private int _storedSlot = -1;
        private byte[] _upload;
        private uint _uploadCrc;
        private int _received;

        /// <param name="capacity">Largest model file accepted (bytes).</param>
        /// <param name="storage">Where activated models are kept across resets; null for none.</param>
        public ModelStore(int capacity, IModelStorage storage)
        {
            _capacity = capacity;
            _storage = storage;
        }

        /// <summary>
        /// Boot: activates the model in the marked storage slot, or the other slot when that one does not
        /// verify. Returns the slot used (0 or 1), or -1 when no valid model is stored (the board then
        /// waits for an upload with its output safe).
        /// </summary>
        public int LoadDefault()
        {
            if (_storage == null)
            {
                return -1;
            }

            byte[] marker = _storage.Read(Marker);
            int first = marker != null && marker.Length == 1 && marker[0] == 1 ? 1 : 0;
            for (int attempt = 0; attempt < 2; attempt++)
            {
                int slot = attempt == 0 ? first : 1 - first;
                byte[] file = _storage.Read(slot == 0 ? SlotA : SlotB);
                if (file != null && file.Length <= _capacity && Install(file).Ok)
                {
                    _storedSlot = slot;
                    return slot;
                }
            }

            return -1;
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
            Persist(file);
            return AckStatus.Ok;
        }

        /// <summary>Writes the new active model to the slot the previous one does not use, then moves the marker.</summary>
        private void Persist(byte[] file)
        {
            if (_storage == null)
            {
                return;
            }

            int slot = _storedSlot == 0 ? 1 : 0;
            try
            {
                _storage.Write(slot == 0 ? SlotA : SlotB, file);
                byte[] marker = new byte[1];
                marker[0] = (byte)slot;
                _storage.Write(Marker, marker);
                _storedSlot = slot;
            }
            catch (System.Exception)
            {
                // The model runs; it is just not kept across a reset. The next commit tries again.
            }
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
