using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>The last touches to a gradient before the optimiser step, common to every training stage.</summary>
internal static class Regularization
{
    /// <summary>
    /// Turns effective-weight gradients into raw-weight gradients (sign constraints), adds the
    /// currents' prior penalties and the ridge term ρ·‖W‖², and returns those penalties' value (the part of the
    /// loss they add, which a line search needs and Adam does not).
    /// </summary>
    public static double AddRidgeAndChain(Network network)
    {
        double penalty = 0;
        foreach (Current c in network.ModelledCurrents)
        {
            foreach (DenseLayer layer in c.Mlps.SelectMany(m => m.Layers))
            {
                layer.ChainSignConstraint();
            }

            penalty += c.PriorPenalty();
        }

        foreach (Parameter p in network.TrainableParameters)
        {
            if (p.L2 > 0)
            {
                float k = 2f * p.L2;
                double sum = 0;
                for (int i = 0; i < p.Size; i++)
                {
                    p.Grad[i] += k * p.Value[i];
                    sum += (double)p.Value[i] * p.Value[i];
                }

                penalty += p.L2 * sum;
            }
        }

        return penalty;
    }
}
