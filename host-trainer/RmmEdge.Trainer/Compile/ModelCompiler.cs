using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Compile;

/// <summary>
/// Compiles a float model to an .rmmq file and saves, beside it, what the compiler reports: the
/// summary (parameters, bytes, integer operations per step, working memory) and, when held-out data
/// is given, the fidelity of the fixed-point model against the float model on it. Both files are
/// written to temporary names and renamed, so an interrupted compile never leaves half a model.
/// </summary>
public static class ModelCompiler
{
    public sealed record Result(string ModelPath, string ReportPath, CompileSummary Summary, FidelityReport? Fidelity, string ReportText);

    public static Result CompileToFile(Network network, int weightBits, string modelPath, Dataset? heldOut = null)
    {
        byte[] file = Quantizer.Compile(network, weightBits, out CompileSummary summary);
        FidelityReport? fidelity = null;
        if (heldOut is not null)
        {
            int warmup = Math.Min(network.WarmupSamples, heldOut.Length / 2);
            fidelity = FixedPointRun.Compare(network, FixedPointRun.Load(file), heldOut, warmup);
        }

        string text = $"{Path.GetFileName(modelPath)}: {summary}" + Environment.NewLine +
            (fidelity is null ? "fidelity: no held-out data given" : $"fidelity on {heldOut!.Source}:{Environment.NewLine}{fidelity}") +
            Environment.NewLine;
        string reportPath = modelPath + ".report.txt";
        WriteAtomically(modelPath, file);
        WriteAtomically(reportPath, System.Text.Encoding.UTF8.GetBytes(text));
        return new Result(modelPath, reportPath, summary, fidelity, text);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = path + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }
}
