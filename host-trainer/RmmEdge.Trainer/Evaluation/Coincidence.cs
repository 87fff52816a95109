namespace RmmEdge.Trainer.Evaluation;

/// <summary>
/// Coincidence factor Γ (Kistler et al. 1997; QSNMC, Jolivet et al. 2008), as metrics.md defines it:
/// N_coinc = data spikes with a model spike within ±Δ (each model spike matched at most once);
/// chance ⟨N_coinc⟩ = 2νΔ·N_data with ν the <b>data's</b> firing rate (as Brian's gamma_factor);
/// Γ = 2/(1 − 2νΔ) · (N_coinc − ⟨N_coinc⟩) / (N_data + N_model). 1 = perfect, 0 = chance; NaN
/// (undefined, printed as such) where 2νΔ ≥ 1.
/// </summary>
public static class Coincidence
{
    public static int CountCoincidences(IReadOnlyList<double> data, IReadOnlyList<double> model, double deltaMs)
    {
        int matched = 0, j = 0;
        foreach (double t in data)
        {
            // Skip model spikes too early to match this or any later data spike.
            while (j < model.Count && model[j] < t - deltaMs)
            {
                j++;
            }

            if (j < model.Count && model[j] <= t + deltaMs)
            {
                matched++;
                j++;
            }
        }

        return matched;
    }

    /// <param name="durationMs">Length of the record the spikes come from (for the data's rate ν).</param>
    public static double Gamma(IReadOnlyList<double> data, IReadOnlyList<double> model, double deltaMs, double durationMs)
    {
        if (data.Count == 0 && model.Count == 0)
        {
            return 1.0;
        }

        double nu = data.Count / durationMs;
        double expected = 2 * nu * deltaMs * data.Count;
        double norm = 1 - 2 * nu * deltaMs;
        if (!(norm > 0))
        {
            return double.NaN;   // 2νΔ ≥ 1: chance alone would match every spike; Γ is undefined (metrics.md)
        }

        int coinc = CountCoincidences(data, model, deltaMs);
        return 2.0 / norm * (coinc - expected) / (data.Count + model.Count);
    }

    /// <summary>
    /// Intrinsic reliability R: the mean Γ over ordered pairs of a neuron's own repetitions of one
    /// stimulus. Γ/R is the normalised score.
    /// </summary>
    public static double IntrinsicReliability(IReadOnlyList<double[]> repetitions, double deltaMs, double durationMs)
    {
        var values = new List<double>();
        for (int a = 0; a < repetitions.Count; a++)
        {
            for (int b = 0; b < repetitions.Count; b++)
            {
                if (a != b)
                {
                    values.Add(Gamma(repetitions[a], repetitions[b], deltaMs, durationMs));
                }
            }
        }

        return values.Count > 0 ? values.Average() : double.NaN;
    }
}
