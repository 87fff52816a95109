using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>The last touches to a gradient before the optimiser step, common to every training stage.</summary>
internal static class Regularization
{
    /// <summary>
    /// Turns effective-weight gradients into raw-weight gradients (sign constraints), adds the
    /// currents' prior penalties and the ridge term ρ·‖W‖².
    /// </summary>
    public static void AddRidgeAndChain(Network network)
    {
        foreach (Current c in network.ModelledCurrents)
        {
            foreach (DenseLayer layer in c.Mlps.SelectMany(m => m.Layers))
            {
                layer.ChainSignConstraint();
            }

            c.PriorPenalty();
        }

        foreach (Parameter p in network.TrainableParameters)
        {
            if (p.L2 > 0)
            {
                float k = 2f * p.L2;
                for (int i = 0; i < p.Size; i++) { p.Grad[i] += k * p.Value[i]; }
            }
        }
    }
}
