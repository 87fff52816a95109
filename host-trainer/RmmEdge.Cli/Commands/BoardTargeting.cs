using RmmEdge.Rig;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;

namespace RmmEdge.Cli;

/// <summary>A training configuration sized for a board (BoardSizing), for `rmm train --target` and the demo.</summary>
internal static class BoardTargeting
{
    /// <summary>What sizing does, said before it starts (it takes seconds).</summary>
    public static string Announcement(BoardTarget target) => $"sizing the network for {target} (each shape compiled and measured on the emulated core) ...";

    /// <summary>
    /// Sizes <paramref name="config"/>'s network for <paramref name="target"/> at the data's rate (a step of
    /// <paramref name="dtMs"/>, <paramref name="neurons"/> neurons: nothing else of the data matters) and returns
    /// the configuration to train (hidden widths and bank size of the chosen shape) with the sizing; a
    /// UserError says what would fit when nothing does.
    /// </summary>
    public static (TrainingConfig Config, SizingResult Sizing) Fit(TrainingConfig config, BoardTarget target, double dtMs, int neurons, string native)
    {
        NetworkSpec Build(int[] hidden, int bank) => (config with { Hidden = hidden, IntrinsicBankSize = bank }).BuildSpec(dtMs, neurons);
        int bankSize = config.BuildSpec(dtMs, neurons).IntrinsicBankSize;
        SizingResult sizing = BoardSizing.Size(target, 1000 / dtMs, config.Hidden, bankSize, Build, native);
        SizedNetwork chosen = sizing.Chosen ?? throw new UserError(BoardSizing.WhatWouldFit(sizing, Build, native));
        return (config with { Hidden = chosen.Hidden, IntrinsicBankSize = chosen.BankSize }, sizing);
    }
}
