namespace RmmEdge.Trainer.Model;

/// <summary>
/// Several trained networks of the same structure (e.g. one per seed) merged into one network whose
/// dv/dt is the mean of theirs. Each member's currents keep their banks, normalisation and MLPs and are
/// renamed "current~k" (k = 1…N); since dv/dt_k = c⁻¹_k (I − g_k (v − E_k) − Σψ_k), the mean is
/// c̄⁻¹ (I − G (v − E) − Σ_k w_k Σψ_k) with c̄⁻¹ = mean c⁻¹_k, w_k = c⁻¹_k / (N c̄⁻¹), G = Σ w_k g_k and
/// E = Σ w_k g_k E_k / G: an RMM like any other, which the compiler and the board run as they are, at N
/// times the member's cost. A current into a measured neuron is averaged with w_k = 1/N. What it tells: a free-run error that
/// the mean of several seeds' models keeps is the method's bias, not one seed's draw (RmmEdge.Bench generalisation --ensemble K).
/// </summary>
public static class Ensemble
{
    /// <summary>What separates a member's number from the current's name.</summary>
    public const char MemberMark = '~';

    public static Network Of(IReadOnlyList<Network> members)
    {
        if (members.Count < 2)
        {
            throw new ArgumentException("an ensemble needs two networks or more", nameof(members));
        }

        Network first = members[0];
        foreach (Network other in members.Skip(1))
        {
            if (!SameStructure(first.Spec, other.Spec))
            {
                throw new ArgumentException("the members of an ensemble must share one structure: neurons, currents, banks, MLP shapes and dt");
            }
        }

        int n = members.Count;
        NeuronSpec[] neurons = first.Spec.Neurons.Select(neuron => neuron with
        {
            Currents = Enumerable.Range(0, n).SelectMany(k => (neuron.Currents ?? []).Select(c => c with { Name = MemberName(c.Name, k) })).ToArray(),
        }).ToArray();
        var merged = new Network(first.Spec with { Neurons = neurons }, seed: 0);

        var byName = merged.Parameters.ToDictionary(p => p.Name);
        var currents = merged.Currents.ToDictionary(c => c.QualifiedName);
        for (int k = 0; k < n; k++)
        {
            Network member = members[k];
            foreach (Current from in member.Currents)
            {
                Current to = currents[MemberName(from.QualifiedName, k)];
                foreach (Parameter p in from.Parameters)
                {
                    p.Value.CopyTo(byName[to.QualifiedName + p.Name[from.QualifiedName.Length..]].Value, 0);
                }

                from.Normalizer.Center.CopyTo(to.Normalizer.Center, 0);
                from.Normalizer.Scale.CopyTo(to.Normalizer.Scale, 0);
                Scale(to, from, Weight(members, from.Owner, k));
            }
        }

        foreach (NeuronModel model in merged.Models)
        {
            NeuronModel[] of = members.Select(m => m.Models.Single(x => x.Index == model.Index)).ToArray();
            float inverseC = of.Average(m => m.InverseCapacitance);
            float g = 0, gE = 0;
            for (int k = 0; k < n; k++)
            {
                float w = Weight(members, model.Index, k);
                g += w * of[k].LeakConductance;
                gE += w * of[k].LeakConductance * of[k].LeakReversalMv;
            }

            model.InverseCapacitanceRaw.Value[0] = Softplus.Inverse(inverseC);
            model.LeakConductanceRaw.Value[0] = Softplus.Inverse(g);
            model.LeakReversal.Value[0] = gE / g;
        }

        merged.RefreshEffective();
        return merged;
    }

    /// <summary>Member k's (0-based) name for a current or a qualified current name.</summary>
    public static string MemberName(string name, int k) => $"{name}{MemberMark}{k + 1}";

    /// <summary>w_k: the share of member k's currents into neuron <paramref name="owner"/> in the mean dv/dt.</summary>
    private static float Weight(IReadOnlyList<Network> members, int owner, int k)
    {
        NeuronModel[] of = members.Select(m => m.Models.SingleOrDefault(x => x.Index == owner)).OfType<NeuronModel>().ToArray();
        return of.Length == 0 ? 1f / members.Count : of[k].InverseCapacitance / of.Sum(m => m.InverseCapacitance);
    }

    private static void Scale(Current to, Current from, float weight)
    {
        switch ((to, from))
        {
            case (LumpedCurrent lumped, LumpedCurrent source):
                lumped.OutputScale = weight * source.OutputScale;
                break;
            case (GatingCurrent gating, GatingCurrent source):
                gating.ConductanceRaw.Value[0] = Softplus.Inverse(weight * source.G);
                break;
            default:
                throw new InvalidOperationException($"{from.QualifiedName}: a current of another kind than its twin");
        }
    }

    private static bool SameStructure(NetworkSpec a, NetworkSpec b) =>
        a.DtMs == b.DtMs && a.Neurons.Length == b.Neurons.Length && a.Neurons.Zip(b.Neurons).All(p =>
            p.First.Name == p.Second.Name && p.First.External == p.Second.External
            && (p.First.Currents ?? []).Length == (p.Second.Currents ?? []).Length
            && (p.First.Currents ?? []).Zip(p.Second.Currents ?? []).All(c => SameCurrent(c.First, c.Second)));

    private static bool SameCurrent(CurrentSpec a, CurrentSpec b) =>
        a.Name == b.Name && a.Kind == b.Kind && a.Source == b.Source && a.Input == b.Input && a.UsesPostVoltage == b.UsesPostVoltage
        && a.Bank.Kind == b.Bank.Kind && a.Bank.TauMs.SequenceEqual(b.Bank.TauMs)
        && a.Mlp.Hidden.SequenceEqual(b.Mlp.Hidden) && (a.Inactivation is null) == (b.Inactivation is null);
}
