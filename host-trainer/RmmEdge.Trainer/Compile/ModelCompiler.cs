using RmmEdge.Rig;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Compile;

/// <summary>
/// Compiles a float model to an .rmmq file and saves, beside it, what the compiler reports: the
/// summary (parameters, bytes, integer operations per step, working memory) and, when held-out data
/// is given, the fidelity of the fixed-point model against the float model on it, and, when the C
/// kernel's sources are given, its measured cost per step on Cortex-M4 and Cortex-M7 at the model's
/// own step rate (<see cref="CycleBudget"/>; skipped with a note when the cross tools are missing). Both files are
/// written to temporary names and renamed, so an interrupted compile never leaves half a model.
/// </summary>
public static class ModelCompiler
{
    public sealed record Result(string ModelPath, string ReportPath, CompileSummary Summary, FidelityReport? Fidelity,
        IReadOnlyList<BudgetResult> Budget, string ReportText)
    {
        /// <summary>Every board profile's engines against this model's rate.</summary>
        public IReadOnlyList<BoardFit> Boards { get; init; } = [];
    }

    public static Result CompileToFile(Network network, int weightBits, string modelPath, Dataset? heldOut = null, string? nativeSourceDir = null,
        IProgress<double>? progress = null)
    {
        byte[] file = Quantizer.Compile(network, weightBits, out CompileSummary summary);
        double modelRateHz = 1000 / network.Spec.DtMs;
        string budgetText = "budget: not measured (no C kernel sources given)";
        if (nativeSourceDir is not null && !CycleBudget.ToolsAvailable(out string missing))
        {
            budgetText = $"budget: not measured ({missing} not installed)";
            nativeSourceDir = null;
        }

        // The emulated cores (QEMU processes) measure the step while the fixed-point model is compared with the float one.
        Task<BudgetResult[]> measuring = nativeSourceDir is null
            ? Task.FromResult(Array.Empty<BudgetResult>())
            : Task.Run(() => CycleBudget.MeasureAll(file, nativeSourceDir));
        FidelityReport? fidelity = null;
        if (heldOut is not null)
        {
            int warmup = Math.Min(network.WarmupSamples, heldOut.Length / 2);
            fidelity = FixedPointRun.Compare(network, FixedPointRun.Load(file), heldOut, warmup, progress);
        }

        var budget = new List<BudgetResult>(measuring.GetAwaiter().GetResult());
        if (nativeSourceDir is not null)
        {
            double rateKhz = modelRateHz / 1000;
            budgetText = string.Join(Environment.NewLine, budget.Select(b => $"budget: {b}; {b.Load(rateKhz):P0} at this model's {rateKhz:0.###} kHz"));
        }

        List<BoardFit> boards = BoardFit.For(BoardFit.AllBoards(), budget, modelRateHz);
        string text = $"{Path.GetFileName(modelPath)}: {summary}" + Environment.NewLine +
            (fidelity is null ? "fidelity: no held-out data given" : $"fidelity on {heldOut!.Source}:{Environment.NewLine}{fidelity}") +
            Environment.NewLine + budgetText + Environment.NewLine + BoardFit.Table(boards, modelRateHz) + Environment.NewLine;
        string reportPath = modelPath + ".report.txt";
        UserFiles.WriteAtomically(modelPath, file);
        UserFiles.WriteAtomically(reportPath, text);
        return new Result(modelPath, reportPath, summary, fidelity, budget, text) { Boards = boards };
    }
}
