using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// The multiple-shooting view of the training data: each segment after the banks' warm-up cut into
/// contiguous shots of s samples, and each shot's trainable initial state — the modelled voltages
/// and every bank's states — started from the data voltage and the banks driven by measured
/// voltages (teacher-forced states), as the authors do.
/// </summary>
internal sealed class MultipleShootingProblem
{
    /// <param name="transient">Samples at the start of every segment that no shot covers: the banks start at the DC
    /// steady state of the segment's first sample and forget it over these.</param>
    public MultipleShootingProblem(Network network, Dataset train, int transient, int shotLength, float continuityV, float continuityX,
        float slopeWeightScale = 0, float? clipAboveMv = null, SpikeEnvelope? envelope = null)
    {
        ClipAboveMv = clipAboveMv ?? float.PositiveInfinity;
        Envelope = envelope;
        Network = network;
        ShotLength = shotLength;
        ContinuityV = continuityV;
        ContinuityX = continuityX;
        Voltage = train.Neurons.Select(n => n.V).ToArray();
        Current = train.Neurons.Select(n => n.I).ToArray();

        // Shots tile each segment after its transient; none crosses into the next segment, and only
        // shots of one segment are tied by the continuity penalties.
        var starts = new List<int>();
        var continues = new List<bool>();
        foreach (Segment g in train.Segments)
        {
            int count = Math.Max(0, (g.End - g.Start - transient) / shotLength);
            for (int j = 0; j < count; j++)
            {
                starts.Add(g.Start + transient + j * shotLength);
                continues.Add(j + 1 < count);
            }
        }

        ShotStart = starts.ToArray();
        Continues = continues.ToArray();
        ShotCount = ShotStart.Length;
        int[] covered = ShotStart.SelectMany(start => Enumerable.Range(start, shotLength)).ToArray();
        LossWeight = Voltage.Select(v => SlopeWeights.Compute(v, covered, slopeWeightScale, train.DtMs)).ToArray();
        DataEnvelope = envelope is null ? [] : Voltage.Select(v => envelope.OfRecord(v, train.Segments, train.DtMs)).ToArray();

        int models = network.Models.Length;
        InitialVoltage = new Parameter("ms.v0", ShotCount * models);
        for (int j = 0; j < ShotCount; j++)
        {
            for (int m = 0; m < models; m++)
            {
                InitialVoltage.Value[j * models + m] = Voltage[network.Models[m].Index][ShotStart[j]];
            }
        }

        Current[] currents = network.ModelledCurrents.ToArray();
        InitialStates = new Parameter[currents.Length];
        for (int c = 0; c < currents.Length; c++)
        {
            FilterBank bank = currents[c].Bank;
            var states = new Parameter($"ms.x0.{currents[c].QualifiedName}", ShotCount * bank.Size);
            int j = 0;
            currents[c].VisitBankStates(Voltage[currents[c].Source], train.Segments, (k, x) =>
            {
                if (j < ShotCount && k == ShotStart[j])
                {
                    x.CopyTo(states.Value.AsSpan(j * bank.Size));
                    j++;
                }
            });

            InitialStates[c] = states;
        }
    }

    public Network Network { get; }

    public int ShotLength { get; }

    public int ShotCount { get; }

    /// <summary>First sample of each shot in the training record.</summary>
    public int[] ShotStart { get; }

    /// <summary>Whether shot j is followed by shot j + 1 in the same segment (their continuity is penalised).</summary>
    public bool[] Continues { get; }

    public float ContinuityV { get; }

    public float ContinuityX { get; }

    /// <summary>The data loss compares min(v, θ) with min(d, θ) (MultipleShootingOptions.ClipAboveMv; +∞: v with d).</summary>
    public float ClipAboveMv { get; }

    /// <summary>The spike-rate envelope the loss also compares (MultipleShootingOptions.EnvelopeMs); null: none.</summary>
    public SpikeEnvelope? Envelope { get; }

    /// <summary>Per neuron, the measured voltage's envelope (<see cref="SpikeEnvelope.OfRecord"/>); empty without one.</summary>
    public float[][] DataEnvelope { get; }

    /// <summary>Measured voltage (mV) and injected current (nA) per neuron.</summary>
    public float[][] Voltage { get; }

    public float[][] Current { get; }

    /// <summary>Per neuron, each sample's weight in the data loss (mean 1 over the shots); null: uniform.</summary>
    public float[]?[] LossWeight { get; }

    /// <summary>Initial voltage of every modelled neuron per shot: [shot * models + slot].</summary>
    public Parameter InitialVoltage { get; }

    /// <summary>Initial bank states per current (network order), per shot: [shot * size + i].</summary>
    public Parameter[] InitialStates { get; }

    public IEnumerable<Parameter> ShotParameters => InitialStates.Prepend(InitialVoltage);
}
