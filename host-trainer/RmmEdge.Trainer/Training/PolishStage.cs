using System.Diagnostics;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// Teacher forcing's last stage (<see cref="TeacherForcingOptions.PolishIterations"/>): from the snapshot Adam's
/// selection kept, L-BFGS (<see cref="Lbfgs"/>) on the whole training record's loss at once, the loss Adam's
/// mini-batches estimate (weighted squared dv/dt error, ridge and any stability penalty) without the input noise,
/// so the loss is deterministic and a line search can trust it. Every <see cref="RoundIterations"/> iterations is
/// a round, recorded as an epoch after Adam's (epochs E+1, E+2, … for E Adam epochs) and scored by the same free
/// run. <see cref="PolishKeep.Last"/> keeps the last round (the converged fit), <see cref="PolishKeep.Best"/> the
/// best-scoring snapshot of Adam's and the rounds'. With validation off the last round is kept.
/// </summary>
internal static class PolishStage
{
    /// <summary>L-BFGS iterations per round: one history line and one scored snapshot each.</summary>
    public const int RoundIterations = 100;

    /// <param name="loss">The loss at the parameters' values, filling their Grad (see <see cref="Lbfgs"/>).</param>
    /// <param name="meanSquaredError">The last loss evaluation's unweighted mean squared dv/dt error, for the history (as Adam's epochs report it).</param>
    public static TrainingResult Run(Network network, Parameter[] parameters, EpochOptions options, int iterations, PolishKeep keep, TrainingResult adam,
        Func<double> loss, Func<double> meanSquaredError, Func<Network, SnapshotValidator> validator, IProgress<EpochRecord>? progress, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        float[][] adamsSnapshot = network.Snapshot();
        network.RefreshEffective();
        var search = new Lbfgs(parameters, () =>
        {
            network.RefreshEffective();
            return loss();
        });
        double startLoss = search.Loss;
        bool validating = options.ValidateEvery > 0 && !double.IsNaN(adam.SelectedValidation);
        BackgroundSelection? selection = validating ? new BackgroundSelection(network, validator) : null;
        var history = new List<EpochRecord>(adam.History);
        var pending = new List<EpochRecord>();
        int bestEpoch = adam.SelectedEpoch, lastEpoch = adam.SelectedEpoch;
        double bestScore = adam.SelectedValidation;
        float[][]? best = null;
        int done = 0;
        bool stalled = false;

        void Scored(IReadOnlyList<BackgroundSelection.Scored> arrived)
        {
            foreach (BackgroundSelection.Scored scored in arrived)
            {
                if (scored.Score > bestScore)
                {
                    (bestScore, bestEpoch, best) = (scored.Score, scored.Epoch, scored.Snapshot);
                }

                int at = pending.FindIndex(r => r.Epoch == scored.Epoch);
                pending[at] = pending[at] with { Validation = scored.Score, Snapshot = scored.Snapshot };
            }

            int waiting = selection?.PendingEpoch ?? -1;
            int ready = waiting < 0 ? pending.Count : pending.FindIndex(r => r.Epoch == waiting);
            foreach (EpochRecord record in pending.Take(ready))
            {
                history.Add(record);
                progress?.Report(record);
            }

            pending.RemoveRange(0, ready);
        }

        for (int round = 1; done < iterations && !stalled; round++)
        {
            cancel.ThrowIfCancellationRequested();
            int target = Math.Min(iterations, done + RoundIterations);
            while (done < target && !stalled)
            {
                stalled = !search.Iterate();
                done += stalled && !search.Converged ? 0 : 1;
            }

            network.RefreshEffective();
            lastEpoch = options.Epochs + round;
            pending.Add(new EpochRecord(lastEpoch, meanSquaredError(), null, adam.Seconds + clock.Elapsed.TotalSeconds));
            Scored(selection?.Submit(lastEpoch, network.Snapshot()) ?? []);
        }

        Scored(selection?.Finish() ?? []);
        if (selection is null || keep == PolishKeep.Last)
        {
            bestEpoch = lastEpoch;
            bestScore = history[^1].Validation ?? double.NaN;
        }
        else if (best is not null)
        {
            network.Restore(best);
        }
        else
        {
            network.Restore(adamsSnapshot);
        }

        network.RefreshEffective();
        string scores = selection is null ? "" : $"; scores: Adam's epoch {adam.SelectedEpoch} {adam.SelectedValidation:0.000}, rounds " +
            string.Join(" ", history.Skip(adam.History.Count).Select(r => $"{r.Validation:0.000}"));
        string kept = keep == PolishKeep.Last ? $"kept its last round (epoch {bestEpoch}; teacherForcing.polishKeep last)"
            : bestEpoch > options.Epochs ? $"kept its round {bestEpoch - options.Epochs} (epoch {bestEpoch}), the best-scoring" : $"kept Adam's epoch {bestEpoch} (no round scored higher)";
        return adam with
        {
            History = history,
            SelectedEpoch = bestEpoch,
            SelectedValidation = bestScore,
            Seconds = adam.Seconds + clock.Elapsed.TotalSeconds,
            SelectionSeconds = adam.SelectionSeconds + (selection?.FreeRunSeconds ?? 0),
            SelectionWaitSeconds = adam.SelectionWaitSeconds + (selection?.WaitSeconds ?? 0),
            Polish = $"L-BFGS polish: {done:N0} iterations{(!stalled ? "" : search.Converged ? $" (converged: the last lowered the loss by under {Lbfgs.RelativeTolerance:G2} of itself)" : " (stopped: no step lowered the loss)")}, {search.Evaluations:N0} loss evaluations " +
                $"in {clock.Elapsed.TotalSeconds:0.0} s, loss {startLoss:G4} -> {search.Loss:G4}; epochs {options.Epochs + 1}-{lastEpoch} are its rounds of " +
                $"{RoundIterations} iterations{scores}; {kept}",
        };
    }
}

/// <summary>Which model teacher forcing's polish keeps (<see cref="PolishStage"/>).</summary>
public enum PolishKeep
{
    /// <summary>The last round: the loss's minimum as far as the iterations went, whatever the free-run score.</summary>
    Last,

    /// <summary>The best-scoring snapshot of Adam's selection and the rounds' (the same rule as Adam's epochs).</summary>
    Best,
}
