using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// A recording handed from a helper process to its parent (see <see cref="NwbReader.OutOfProcess"/>):
/// a private little-endian binary layout, read back by the same build that wrote it. Magic "RMMREC1",
/// source, period (ms), sweeps, channel count, then per channel its name, unit, sample count and samples.
/// </summary>
public static class RecordingTransfer
{
    private const string Magic = "RMMREC1";

    public static void Write(Recording recording, string path) =>
        UserFiles.WriteAtomically(path, stream =>
        {
            using var writer = new BinaryWriter(stream);
            writer.Write(Magic);
            writer.Write(recording.Source);
            writer.Write(recording.DtMs);
            writer.Write(recording.Sweeps);
            writer.Write(recording.Channels.Count);
            foreach (Channel c in recording.Channels)
            {
                writer.Write(c.Name);
                writer.Write(c.Unit);
                writer.Write(c.Samples.Length);
                foreach (float x in c.Samples)
                {
                    writer.Write(x);
                }
            }
        });

    public static Recording Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadString() != Magic)
        {
            throw new InvalidDataException($"{path}: not a recording transfer file");
        }

        string source = reader.ReadString();
        double dt = reader.ReadDouble();
        int sweeps = reader.ReadInt32();
        int count = reader.ReadInt32();
        var channels = new List<Channel>();
        for (int c = 0; c < count; c++)
        {
            string name = reader.ReadString(), unit = reader.ReadString();
            float[] samples = new float[reader.ReadInt32()];
            for (int k = 0; k < samples.Length; k++)
            {
                samples[k] = reader.ReadSingle();
            }

            channels.Add(new Channel(name, unit, samples));
        }

        return new Recording(source, dt, channels, sweeps);
    }
}
