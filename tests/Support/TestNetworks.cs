using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;

namespace RmmEdge.TestSupport;

/// <summary>Untrained networks made usable without data, for tests of the compiler, the board and the loop.</summary>
public static class TestNetworks
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

    /// <summary>A circuit that reaches every path: an external neuron, a synapse onto a modelled one, a gating current, both bank kinds.</summary>
    public static Network Circuit(int seed) => WithTestRanges(new Network(CircuitSpec(), seed));

    /// <summary>
    /// <see cref="Circuit"/> plus banks driven by spike activity (format version 2): a lumped current
    /// on the modelled neuron's own activity and a gating synapse on the external neuron's.
    /// </summary>
    public static Network ActivityCircuit(int seed)
    {
        NetworkSpec plain = CircuitSpec();
        NeuronSpec model = plain.Neurons[1];
        CurrentSpec[] currents =
        [
            .. model.Currents!,
            new CurrentSpec("activity", CurrentKind.Lumped, 1, new FilterBankSpec(FilterKind.Diagonal, [1, 5, 25, 120]), new MlpSpec([6]), Input: BankInput.SpikeActivity),
            new CurrentSpec("synActivity", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [4, 60]), new MlpSpec([3]),
                ReversalMv: -75, ConductanceUs: 0.05, Input: BankInput.SpikeActivity),
        ];
        return WithTestRanges(new Network(plain with { Neurons = [plain.Neurons[0], model with { Currents = currents }] }, seed));
    }

    private static NetworkSpec CircuitSpec() => new(0.1,
    [
        new NeuronSpec("bio", External: true),
        new NeuronSpec("model", Currents:
        [
            new CurrentSpec("fast", CurrentKind.Lumped, 1, new FilterBankSpec(FilterKind.Orthonormal, [0.2, 0.7, 2.5, 9, 30, 110, 400, 1500]), new MlpSpec([9, 7])),
            new CurrentSpec("syn", CurrentKind.Gating, 0, new FilterBankSpec(FilterKind.Diagonal, [3, 11, 40]), new MlpSpec([5]), ReversalMv: -80, ConductanceUs: 0.03),
            new CurrentSpec("slow", CurrentKind.Gating, 1, new FilterBankSpec(FilterKind.Diagonal, [50, 500, 2000]), new MlpSpec([3, 3]),
                Inactivation: new MlpSpec([4]), ReversalMv: 30, TrainReversal: true, ConductanceUs: 0.2),
        ]),
    ]);

    /// <summary>Input ranges that differ from input to input (so every normalisation entry is exercised) and an output scale of 3.</summary>
    private static Network WithTestRanges(Network network)
    {
        foreach (Current c in network.Currents)
        {
            InputNormalizer n = c.Normalizer;
            for (int i = 0; i < n.Center.Length; i++) { n.Fit(i, -80 * (float)(1 + i % 3), 40 * (float)(1 + i % 5)); }
            if (c.Spec.Input == BankInput.SpikeActivity)
            {
                // Activity states live in [0, 1]; a lumped current's first input is still v.
                int first = c is LumpedCurrent { Spec.UsesPostVoltage: true } ? 1 : 0;
                for (int i = first; i < n.Center.Length; i++) { n.Fit(i, 0, 0.5f + 0.25f * (i % 3)); }
            }

            if (c is LumpedCurrent lumped) { lumped.OutputScale = 3f; }
        }

        return network;
    }

    /// <summary>A small single-neuron model at 10 kHz (a different seed gives a different file).</summary>
    public static byte[] SmallCompiledModel(int seed, double dtMs = 0.1)
    {
        var spec = NetworkSpec.SingleNeuron(dtMs, hidden: [6], tauMs: FilterBankSpec.Geometric(0.5, 2, 0, 7));
        var network = new Network(spec, seed);
        TestNetworks.FitFixedRanges(network);

        return Quantizer.Compile(network, 16, out _);
    }
}
