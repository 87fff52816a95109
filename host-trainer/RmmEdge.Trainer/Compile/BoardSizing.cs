using System.Globalization;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Compile;

/// <summary>"BOARD[@RATE]": the board a model must run on, and the step rate (Hz) it must hold there (null: the model's own).</summary>
public sealed record BoardTarget(BoardProfile Board, double? RateHz)
{
    /// <summary>Parses <paramref name="text"/>; a UserError names <paramref name="field"/> and what was expected.</summary>
    public static BoardTarget Parse(string text, string field)
    {
        string[] parts = text.Split('@');
        if (parts.Length > 2 || parts[0].Length == 0)
        {
            throw new UserError($"{field}: '{UserError.Printable(text)}'; expected BOARD or BOARD@RATE (a board profile id and a rate in Hz)");
        }

        double? rate = null;
        if (parts.Length == 2)
        {
            if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double hz) || !(hz > 0) || !double.IsFinite(hz))
            {
                throw new UserError($"{field}: rate '{UserError.Printable(parts[1])}'; expected a rate in Hz > 0, as in {parts[0]}@10000");
            }

            rate = hz;
        }

        return new BoardTarget(BoardProfile.Load(parts[0]), rate);
    }

    public override string ToString() => RateHz is { } hz ? $"{Board.Id}@{hz:0.###}" : Board.Id;
}

/// <summary>One network shape of the ladder, compiled at one precision and measured on the target's core.</summary>
/// <param name="Hidden">Hidden widths of every intrinsic MLP.</param>
/// <param name="BankSize">Time constants of every intrinsic bank.</param>
public sealed record SizedNetwork(int[] Hidden, int BankSize, int Bits, CompileSummary Summary, BoardFit Fit)
{
    public string Shape => $"hidden {string.Join(",", Hidden)}, bank {BankSize}";

    /// <summary>Holds the rate with <see cref="BoardSizing.Reserve"/> to spare below <see cref="BoardFit.MaxLoad"/>.</summary>
    public bool Fits => Fit.Holds == true && Fit.Load <= BoardFit.MaxLoad - BoardSizing.Reserve;
}

/// <summary>What <see cref="BoardSizing.Size"/> found: the configured network, the chosen one (null: nothing fits), every shape measured.</summary>
public sealed record SizingResult(BoardTarget Target, double RateHz, SizedNetwork Configured, SizedNetwork? Chosen, IReadOnlyList<SizedNetwork> Measured)
{
    /// <summary>Whether the configured network had to shrink (or drop to 8 bits) to fit.</summary>
    public bool Shrunk => Chosen is not null && !ReferenceEquals(Chosen, Configured);

    /// <summary>Every measured shape, largest first, and the verdict, as `rmm train --target` prints it.</summary>
    public string Text()
    {
        var lines = new List<string>
        {
            $"target {Target.Board.Id} ({Target.Board.Core.Split(',')[0]} {Target.Board.ClockMhz:0} MHz, native engine) at {RateHz:N0} Hz; " +
            $"holds = one step within {BoardFit.MaxLoad:P0} of the period; sizing keeps {BoardSizing.Reserve:P0} of it in reserve, for the " +
            "few instructions a trained model's branches add or save over an untrained one's (+0.1 % on the demo's half-centre); cost measured on the emulated core:",
        };
        foreach (SizedNetwork n in Measured.OrderByDescending(n => n.Summary.MacsPerStep).ThenByDescending(n => n.Bits))
        {
            string mark = ReferenceEquals(n, Chosen) ? "  <- chosen" : ReferenceEquals(n, Configured) ? "  (configured)" : "";
            string reserve = n.Fit.Holds == true && !n.Fits ? $", but above the {BoardFit.MaxLoad - BoardSizing.Reserve:P0} sizing allows" : "";
            lines.Add($"  {n.Shape}, {n.Bits}-bit: {n.Summary.MacsPerStep:N0} MACs, {n.Fit.Cost}: {n.Fit.Load:P1} of the period, {n.Fit.Verdict}{reserve}{mark}");
        }

        lines.Add(Chosen is null ? "no network of the ladder holds this rate on this board"
            : Shrunk ? $"the configured network ({Configured.Shape}, {Configured.Bits}-bit) does not fit; training {Chosen.Shape} and compiling at {Chosen.Bits} bits"
            : $"the configured network fits: {Chosen.Fit.Verdict}");
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// Board-aware sizing (issue 18 §2): the largest network of a ladder of cheaper shapes whose compiled step
/// holds a rate on a board's native engine, with the headroom of <see cref="BoardFit.MaxLoad"/> less a
/// <see cref="Reserve"/>. The
/// ladder scales every intrinsic MLP's hidden widths (1, 0.8, 0.6, 0.5, 0.4, 0.3 of the configured ones)
/// and resamples every intrinsic bank on its span (all, ¾, ½, ⅓ of its time constants); synapses are kept.
/// Shapes are ordered by multiply-accumulates per step, and a binary search measures about five of them:
/// each is compiled untrained (the cost does not depend on the weights' values) and its instructions per
/// step counted on the board's emulated core (<see cref="CycleBudget"/>). 16 bits are preferred: 8-bit
/// weights are tried only when no 16-bit shape fits (they cost more on a Cortex-M, whose SMLALD pairs 16-bit
/// values, and the seed-1 fixed-drift bench kept 1 of 12 probe runs of the float model at 8 bits against 8
/// of 12 at 16). The .rmmq format has one activation table, so no cheaper table is offered.
/// </summary>
public static class BoardSizing
{
    /// <summary>Share of the period a sized network leaves below <see cref="BoardFit.MaxLoad"/>.</summary>
    public const double Reserve = 0.02;

    private static readonly double[] WidthScales = [1, 0.8, 0.6, 0.5, 0.4, 0.3];
    private static readonly double[] BankScales = [1, 0.75, 0.5, 1.0 / 3];

    /// <param name="hidden">The configured hidden widths.</param>
    /// <param name="bankSize">The configured intrinsic bank size.</param>
    /// <param name="build">The network a training configuration gives for hidden widths and a bank size.</param>
    /// <param name="modelRateHz">The model's step rate (1000 / dt); a target rate must equal it.</param>
    public static SizingResult Size(BoardTarget target, double modelRateHz, int[] hidden, int bankSize, Func<int[], int, NetworkSpec> build,
        string nativeSourceDir)
    {
        BoardProfile board = target.Board;
        double rate = target.RateHz ?? modelRateHz;
        if (Math.Abs(rate - modelRateHz) > 1e-6 * modelRateHz)
        {
            throw new UserError($"--target {target}: the model steps at {modelRateHz:0.###} Hz (the data's rate); use {board.Id}@{modelRateHz:0.###}, " +
                $"or resample the data (--upsample N steps N times per sample)");
        }

        EmulatedCore core = EmulatedCore.For(board.Core) is { } c && board.Engines.Native.Available ? c
            : throw new UserError($"--target {board.Id}: its core ({board.Core}) {(board.Engines.Native.Available ? "is not emulated here" : "has no native engine")}, " +
                $"so a step's cost on it cannot be measured; boards that can be targeted: {string.Join(", ", Targetable())}");
        if (!CycleBudget.ToolsAvailable(out string missing))
        {
            throw new UserError($"--target needs {missing} to measure a step's cost (Debian: apt-get install {CycleBudget.Packages})");
        }

        // Every shape of the ladder, largest first (by MACs of its 16-bit compilation), without duplicates.
        var shapes = new List<(int[] Hidden, int Bank, long Macs)>();
        foreach (double b in BankScales)
        {
            int bank = Math.Max(2, (int)Math.Round(bankSize * b));
            foreach (double w in WidthScales)
            {
                int[] h = hidden.Select(x => Math.Max(2, (int)Math.Round(x * w))).ToArray();
                if (!shapes.Any(s => s.Bank == bank && s.Hidden.SequenceEqual(h)))
                {
                    shapes.Add((h, bank, Compile(build(h, bank), 16).Summary.MacsPerStep));
                }
            }
        }

        shapes = shapes.OrderByDescending(s => s.Macs).ToList();
        var measured = new List<SizedNetwork>();
        SizedNetwork Measure(int index, int bits)
        {
            (int[] h, int bank, _) = shapes[index];
            SizedNetwork? known = measured.FirstOrDefault(m => m.Bits == bits && m.BankSize == bank && m.Hidden.SequenceEqual(h));
            if (known is not null)
            {
                return known;
            }

            (byte[] file, CompileSummary summary) = Compile(build(h, bank), bits);
            BudgetResult budget = CycleBudget.Measure(file, core, nativeSourceDir);
            var sized = new SizedNetwork(h, bank, bits, summary, BoardFit.Native(board, budget, rate));
            measured.Add(sized);
            return sized;
        }

        SizedNetwork configured = Measure(0, 16);
        SizedNetwork? chosen = configured.Fits ? configured : null;
        foreach (int bits in new[] { 16, 8 })
        {
            if (chosen is not null)
            {
                break;
            }

            // Largest fitting shape, assuming the cost falls with the MACs: the smallest first, then bisect.
            int last = shapes.Count - 1;
            if (!Measure(last, bits).Fits)
            {
                continue;
            }

            int fits = last, fails = bits == 16 ? 0 : -1;
            while (fits - fails > 1)
            {
                int mid = (fits + fails) / 2;
                if (Measure(mid, bits).Fits) { fits = mid; } else { fails = mid; }
            }

            chosen = Measure(fits, bits);
        }

        return new SizingResult(target, rate, configured, chosen, measured);
    }

    /// <summary>
    /// The refusal when nothing fits: the highest rate the smallest network holds on the target, and the
    /// other boards whose measured core holds the rate with it (measured on their cores now).
    /// </summary>
    public static string WhatWouldFit(SizingResult sizing, Func<int[], int, NetworkSpec> build, string nativeSourceDir)
    {
        SizedNetwork smallest = sizing.Measured.OrderBy(m => m.Summary.MacsPerStep).ThenBy(m => m.Bits == 16 ? 0 : 1).First();
        (byte[] file, _) = Compile(build(smallest.Hidden, smallest.BankSize), smallest.Bits);
        var elsewhere = new List<string>();
        foreach (BoardProfile other in BoardFit.AllBoards().Where(b => b.Id != sizing.Target.Board.Id && b.Engines.Native.Available))
        {
            if (EmulatedCore.For(other.Core) is { } core && BoardFit.Native(other, CycleBudget.Measure(file, core, nativeSourceDir), sizing.RateHz).Holds == true)
            {
                elsewhere.Add(other.Id);
            }
        }

        return $"--target {sizing.Target}: no network of the ladder holds {sizing.RateHz:N0} Hz on {sizing.Target.Board.Id}: the smallest ({smallest.Shape}, " +
            $"{smallest.Bits}-bit) takes {smallest.Fit.Load:P0} of the period there and holds at most {smallest.Fit.HighestRateHz:N0} Hz" +
            (elsewhere.Count > 0 ? $"; at {sizing.RateHz:N0} Hz it fits {string.Join(", ", elsewhere)}" : "; no other board holds that rate with it either");
    }

    /// <summary>Boards whose native engine runs on an emulated core.</summary>
    public static IEnumerable<string> Targetable() =>
        BoardFit.AllBoards().Where(b => b.Engines.Native.Available && EmulatedCore.For(b.Core) is not null).Select(b => b.Id);

    /// <summary>An untrained network of <paramref name="spec"/>, with normalisation ranges typical of a recording, compiled at <paramref name="bits"/>.</summary>
    private static (byte[] File, CompileSummary Summary) Compile(NetworkSpec spec, int bits)
    {
        var network = new Network(spec, seed: 1);
        FitTypicalNormalization(network);
        byte[] file = Quantizer.Compile(network, bits, out CompileSummary summary);
        return (file, summary);
    }

    /// <summary>
    /// Normalisation ranges of a bursting neuron's recording (−75…35 mV, bank states −45…25), as training
    /// would fit them, so that a network compiled untrained has the multipliers and shifts of a real model.
    /// </summary>
    public static void FitTypicalNormalization(Network network)
    {
        foreach (Current current in network.Currents)
        {
            int states = current.Bank.Size;
            current.FitNormalization(-75f, 35f, Enumerable.Repeat(-45f, states).ToArray(), Enumerable.Repeat(25f, states).ToArray());
        }
    }
}
