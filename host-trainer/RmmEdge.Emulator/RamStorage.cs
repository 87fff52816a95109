using RmmEdge.Firmware.Store;

namespace RmmEdge.Emulator;

/// <summary>
/// The board's persistent storage in the emulator: blobs in memory that survive a simulated reset (a
/// new firmware instance given the same storage). <see cref="FailAfterBytes"/> cuts the next write
/// short, as a power loss would.
/// </summary>
public sealed class RamStorage : IModelStorage
{
    private readonly Dictionary<string, byte[]> _blobs = new();

    /// <summary>When set, the next write stores only this many bytes and then fails (a power cut).</summary>
    public int? FailAfterBytes { get; set; }

    public byte[] Read(string name)
    {
        lock (_blobs)
        {
            return _blobs.TryGetValue(name, out byte[] data) ? (byte[])data.Clone() : null;
        }
    }

    public void Write(string name, byte[] data)
    {
        lock (_blobs)
        {
            if (FailAfterBytes is int cut)
            {
                FailAfterBytes = null;
                _blobs[name] = data[..Math.Min(cut, data.Length)];
                throw new IOException($"power lost while writing {name}");
            }

            _blobs[name] = (byte[])data.Clone();
        }
    }
}
