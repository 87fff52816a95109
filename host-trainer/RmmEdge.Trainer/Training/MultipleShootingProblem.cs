using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;

namespace RmmEdge.Trainer.Training;

/// <summary>
/// The multiple-shooting view of the training data: the record after the banks' warm-up cut into
/// contiguous shots of s samples, and each shot's trainable initial state — the modelled voltages
/// and every bank's states — started from the data voltage and the banks driven by measured
/// voltages (teacher-forced states), as the authors do.
/// </summary>
internal sealed class MultipleShootingProblem
{
    public MultipleShootingProblem(Network network, Dataset train, int firstSample, int shotLength, float continuityV, float continuityX,
        float slopeWeightScale = 0)
    {
        Network = network;
        ShotLength = shotLength;
        ContinuityV = continuityV;
        ContinuityX = continuityX;
        Voltage = train.Neurons.Select(n => n.V).ToArray();
        Current = train.Neurons.Select(n => n.I).ToArray();
        ShotCount = (train.Length - firstSample) / shotLength;
        ShotStart = Enumerable.Range(0, ShotCount).Select(j => firstSample + j * shotLength).ToArray();
        LossWeight = Voltage.Select(v => SlopeWeights.Compute(v, firstSample, firstSample + ShotCount * shotLength, slopeWeightScale, train.DtMs)).ToArray();

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
            float[] x = new float[bank.Size];
            float[] source = Voltage[currents[c].Source];
            CurrentSpec spec = currents[c].Spec;
            bank.SteadyState(spec.Drive(source[0]), x);
            for (int k = 0, j = 0; j < ShotCount; k++)
            {
                if (k == ShotStart[j])
                {
                    x.CopyTo(states.Value, j * bank.Size);
                    j++;
                }

                bank.Step(x, spec.Drive(source[k]));
            }

            InitialStates[c] = states;
        }
    }

    public Network Network { get; }

    public int ShotLength { get; }

    public int ShotCount { get; }

    /// <summary>First sample of each shot in the training record.</summary>
    public int[] ShotStart { get; }

    public float ContinuityV { get; }

    public float ContinuityX { get; }

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
