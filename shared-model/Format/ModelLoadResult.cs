namespace RmmEdge.SharedModel.Format
{
    /// <summary>The outcome of loading a model file: a model, or a reason with the field and byte offset.</summary>
    public sealed class ModelLoadResult
    {
        internal ModelLoadResult(ModelStatus status, string field, int offset, RmmqModel model)
        {
            Status = status;
            Field = field;
            Offset = offset;
            Model = model;
        }

        public ModelStatus Status { get; }

        /// <summary>The field that failed (empty when Ok).</summary>
        public string Field { get; }

        /// <summary>Byte offset of that field in the file (−1 when not applicable).</summary>
        public int Offset { get; }

        public RmmqModel Model { get; }

        public bool Ok
        {
            get { return Status == ModelStatus.Ok; }
        }

        public override string ToString()
        {
            return Ok ? "ok" : "rejected: " + StatusName(Status) + " at " + Field + " (byte " + Offset.ToString() + ")";
        }

        /// <summary>Enum names by hand: nanoFramework's Enum.ToString prints the number.</summary>
        public static string StatusName(ModelStatus status)
        {
            switch (status)
            {
                case ModelStatus.Ok: return "ok";
                case ModelStatus.TooShort: return "file too short";
                case ModelStatus.BadMagic: return "not an .rmmq file";
                case ModelStatus.UnsupportedVersion: return "unsupported format version";
                case ModelStatus.BadHeader: return "bad header";
                case ModelStatus.SizeMismatch: return "file size does not match the header";
                case ModelStatus.BadCrc: return "CRC mismatch";
                case ModelStatus.BadCount: return "count out of range";
                case ModelStatus.BadDirectory: return "bad section directory";
                case ModelStatus.MissingSection: return "missing section";
                case ModelStatus.BadSectionLength: return "wrong section length";
                case ModelStatus.BadIndex: return "index out of range";
                case ModelStatus.BadValue: return "value out of range";
                case ModelStatus.BadLayerChain: return "layer sizes do not chain";
                case ModelStatus.BadTable: return "bad activation table";
                default: return "unknown";
            }
        }
    }
}
