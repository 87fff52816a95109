using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Tests;

/// <summary>Untrained networks made usable without data, for tests of the compiler, the board and the loop.</summary>
internal static class TestNetworks
{
    /// <summary>
    /// Fits every current's input normalisation to fixed ranges instead of a record: voltages and the
    /// states of voltage-driven banks −80…40 mV, the states of banks driven by spike activity 0…1.
    /// </summary>
    public static void FitFixedRanges(Network network)
    {
        foreach (Current c in network.Currents)
        {
            bool activity = c.Spec.Input == BankInput.SpikeActivity;
            float low = activity ? 0f : -80f, high = activity ? 1f : 40f;
            c.FitNormalization(-80, 40, Enumerable.Repeat(low, c.Bank.Size).ToArray(), Enumerable.Repeat(high, c.Bank.Size).ToArray());
        }
    }
}
