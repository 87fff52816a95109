using RmmEdge.Rig.Board;

namespace RmmEdge.Trainer.Compile;

/// <summary>
/// Whether a compiled model holds its step rate on one engine of one board (issue 18 §2): the native engine's
/// cost is the C kernel's instructions per step measured on the emulated core of the board's family
/// (<see cref="CycleBudget"/>) at the CPI stated there, scaled to the board's clock; the highest rate held
/// is the lower of that core limit and the engine's own limit in the board profile. A board holds a rate
/// when one step takes at most <see cref="MaxLoad"/> of the period: the loop also reads the ADC, writes the
/// DAC and sends telemetry. The managed engine's cost per model is not measured (the nanoFramework
/// interpreter is not emulated here): only its profile limit is known. Nor is an Xtensa core (no emulator).
/// </summary>
/// <param name="Cost">Where the step cost comes from, e.g. "12,965 instructions (Cortex-M7, measured) × 1.0 CPI".</param>
/// <param name="HighestRateHz">Highest rate held with the headroom, or the profile limit alone when the cost is unknown.</param>
/// <param name="Load">One step's share of the period at the model's rate, when the cost is known.</param>
/// <param name="Holds">True, false, or null when it cannot be told.</param>
public sealed record BoardFit(string Board, string Core, double ClockMhz, string Engine, string Cost, double HighestRateHz, double? Load, bool? Holds, string Verdict)
{
    /// <summary>Largest share of the period one step may take.</summary>
    public const double MaxLoad = 0.8;

    /// <summary>One row per available engine of every board, for a model stepping at <paramref name="modelRateHz"/>.</summary>
    public static List<BoardFit> For(IEnumerable<BoardProfile> boards, IReadOnlyList<BudgetResult> measured, double modelRateHz)
    {
        var rows = new List<BoardFit>();
        foreach (BoardProfile board in boards)
        {
            if (board.Engines.Managed.Available)
            {
                int limit = board.Engines.Managed.MaxRateHz;
                bool holds = modelRateHz <= limit;
                rows.Add(new BoardFit(board.Id, board.Core, board.ClockMhz, "managed", "not measured (the interpreter is not emulated)", limit, null,
                    holds ? null : false, holds ? $"within the profile's {limit:N0} Hz; cost per model not measured" : $"no: the managed engine holds at most {limit:N0} Hz"));
            }

            if (board.Engines.Native.Available)
            {
                rows.Add(Native(board, measured.FirstOrDefault(b => b.Core.Measures(board.Core)), modelRateHz));
            }
        }

        return rows;
    }

    /// <summary>The native engine of <paramref name="board"/> at <paramref name="modelRateHz"/>, judged from <paramref name="budget"/> (null: not measured).</summary>
    public static BoardFit Native(BoardProfile board, BudgetResult? budget, double modelRateHz)
    {
        int limit = board.Engines.Native.MaxRateHz;
        if (budget is null)
        {
            bool within = modelRateHz <= limit;
            return new BoardFit(board.Id, board.Core, board.ClockMhz, "native", $"not measured (no {board.Core.Split(',')[0]} emulator here)", limit, null,
                within ? null : false, within ? $"unknown: within the profile's {limit:N0} Hz, cost not measured" : $"no: the native engine holds at most {limit:N0} Hz");
        }

        double cycles = budget.CyclesPerStep;
        double coreRateHz = board.ClockMhz * 1e6 * MaxLoad / cycles;
        double highest = Math.Min(limit, coreRateHz);
        double load = cycles * modelRateHz / (board.ClockMhz * 1e6);
        bool holds = modelRateHz <= highest;
        string verdict = holds ? $"yes: {load:P0} of the period"
            : modelRateHz > limit ? $"no: the native engine holds at most {limit:N0} Hz"
            : load <= 1 ? $"no: {load:P0} of the period leaves less than {1 - MaxLoad:P0} for the converters and telemetry"
            : $"no: one step takes {load:P0} of the period";
        return new BoardFit(board.Id, board.Core, board.ClockMhz, "native",
            $"{budget.InstructionsPerStep:N0} instructions ({budget.Core.Name}, measured) × {budget.Core.CyclesPerInstruction:0.0} CPI", highest, load, holds, verdict);
    }

    /// <summary>Every profile in the boards/ folder of this RmmEdge tree (none outside a tree).</summary>
    public static IReadOnlyList<BoardProfile> AllBoards() =>
        BoardProfile.BoardsFolder() is string folder
            ? Directory.GetFiles(folder, "*.json").Where(f => !f.EndsWith("board-profile.schema.json", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal).Select(BoardProfile.Load).ToArray()
            : [];

    /// <summary>The table `rmm compile` prints and saves.</summary>
    public static string Table(IReadOnlyList<BoardFit> rows, double modelRateHz)
    {
        if (rows.Count == 0)
        {
            return "boards: no board profiles found (boards/ folder)";
        }

        var lines = new List<string> { $"boards (holds = one step within {MaxLoad:P0} of the period at this model's {modelRateHz:N0} Hz):" };
        string[] headers = ["board", "core", "engine", "step cost", "highest rate held", "holds"];
        string[][] cells = rows.Select(r => new[]
        {
            r.Board, $"{r.Core.Split(',')[0]} {r.ClockMhz:0} MHz", r.Engine, r.Cost, r.Load is null ? $"≤ {r.HighestRateHz:N0} Hz (profile)" : $"{r.HighestRateHz:N0} Hz", r.Verdict,
        }).ToArray();
        int[] widths = headers.Select((h, i) => Math.Max(h.Length, cells.Max(c => c[i].Length))).ToArray();
        lines.Add("  " + string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        lines.AddRange(cells.Select(c => "  " + string.Join("  ", c.Select((x, i) => x.PadRight(widths[i]))).TrimEnd()));
        return string.Join(Environment.NewLine, lines);
    }
}
