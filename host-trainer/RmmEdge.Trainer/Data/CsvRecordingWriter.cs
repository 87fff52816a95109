using System.Globalization;
using System.IO.Compression;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Data;

/// <summary>
/// Writes a <see cref="Dataset"/> as CSV with name_unit headers, the format <see cref="CsvRecordingReader"/>
/// reads and the shared synthetic data uses: t_s, then V_mV, I_nA for one neuron (V1_mV, I1_nA, V2_mV, …
/// for several), then any extra channels in nA. Gzip-compressed when the name ends in .gz. Written to a
/// temporary name and renamed, so an interrupted write never leaves half a file under the real name.
/// </summary>
public static class CsvRecordingWriter
{
    public static void Write(Dataset data, string path)
    {
        UserFiles.WriteAtomically(path, file =>
        {
            using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionLevel.Optimal) : file;
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            bool single = data.Neurons.Count == 1;
            var header = new List<string> { "t_s" };
            for (int i = 0; i < data.Neurons.Count; i++)
            {
                string suffix = single ? "" : (i + 1).ToString(CultureInfo.InvariantCulture);
                header.Add($"V{suffix}_mV");
                header.Add($"I{suffix}_nA");
            }

            string[] extra = data.Extra.Keys.ToArray();
            header.AddRange(extra.Select(e => e + "_nA"));
            writer.WriteLine(string.Join(',', header));
            var line = new StringBuilder();
            for (int k = 0; k < data.Length; k++)
            {
                line.Clear();
                line.Append((k * data.DtMs / 1000).ToString("0.#######", CultureInfo.InvariantCulture));
                foreach (NeuronTrace n in data.Neurons)
                {
                    line.Append(',').Append(n.V[k].ToString("0.###", CultureInfo.InvariantCulture));
                    line.Append(',').Append(n.I[k].ToString("0.####", CultureInfo.InvariantCulture));
                }

                foreach (string e in extra)
                {
                    line.Append(',').Append(data.Extra[e][k].ToString("0.####", CultureInfo.InvariantCulture));
                }

                writer.WriteLine(line);
            }
        });
    }
}
