using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using RmmEdge.Trainer.Evaluation;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Training;

public sealed class TmpQ(ITestOutputHelper output)
{
    static Dataset Upsample(Dataset d, int f)
    {
        int n = d.Length;
        float[] v = new float[n * f], i = new float[n * f];
        for (int k = 0; k < n; k++)
            for (int j = 0; j < f; j++)
            {
                float next = k + 1 < n ? d.Neurons[0].V[k + 1] : d.Neurons[0].V[k];
                v[k * f + j] = d.Neurons[0].V[k] + (next - d.Neurons[0].V[k]) * j / f;
                i[k * f + j] = d.Neurons[0].I[k];
            }
        return new Dataset(d.Source, d.DtMs / f, [new NeuronTrace("neuron", v, i)]);
    }

    [Fact]
    public void Q()
    {
        string dir = "/work/shared/data/recordings/qsnmc2007_challengeA_noise";
        int up = int.Parse(Environment.GetEnvironmentVariable("UP") ?? "5");
        Dataset Load(string set, int rep) => Upsample(Dataset.FromRecording(TextColumnsReader.Read($"{dir}/{set}-{rep}.voltage.gz", ColumnLayout.QsnmcChallengeA, dtMs: 1.0)), up);
        string[] sets = (Environment.GetEnvironmentVariable("SETS") ?? "00,05,11").Split(',');
        var parts = sets.SelectMany(s => new[] { 0, 1, 2 }.Select(r => Load(s, r))).ToList();
        var v = parts.SelectMany(p => p.Neurons[0].V).ToArray();
        var i = parts.SelectMany(p => p.Neurons[0].I).ToArray();
        var train = new Dataset("qsnmc train", 1.0 / up, [new NeuronTrace("neuron", v, i)]);
        double[] taus = FilterBankSpec.Geometric(double.Parse(Environment.GetEnvironmentVariable("TAU0") ?? "1"), 1.25, 0, int.Parse(Environment.GetEnvironmentVariable("NTAU") ?? "25"));
        var spec = NetworkSpec.SingleNeuron(1.0 / up, tauMs: taus);
        var network = new Network(spec, 1);
        var r = new TeacherForcingTrainer(network, train, new TeacherForcingOptions { Epochs = int.Parse(Environment.GetEnvironmentVariable("EPOCHS") ?? "100"), Selection = SelectionRule.AngularSeparation,
            InputNoise = float.Parse(Environment.GetEnvironmentVariable("NOISE") ?? "0.05"), Metric = new SpikeMetricSettings(5, 200, 4, 2, 10) }).Train();
        output.WriteLine($"TF sel {r.SelectedEpoch} val {r.SelectedValidation:0.000} {r.Seconds:0} s, warmup {network.WarmupSamples}");
        foreach (string set in sets)
        {
            var test = Load(set, 3);
            var run = FreeRun.Run(network, test, network.WarmupSamples);
            double dt = 1.0 / up;
            double duration = (test.Length - run.Start) * dt;
            double[] model = Spikes.Detect(run.Voltages[0], dt).ToArray();
            double[] data = Spikes.Detect(test.Neurons[0].V.AsSpan(run.Start), dt).ToArray();
            var reps = new[] { 0, 1, 2, 3 }.Select(k => Spikes.Detect(Load(set, k).Neurons[0].V.AsSpan(run.Start), dt).ToArray()).ToList();
            double g = Coincidence.Gamma(data, model, 2, duration);
            double rel = Coincidence.IntrinsicReliability(reps, 2, duration);
            output.WriteLine($"set {set} rep 3: spikes model {model.Length} data {data.Length}, Γ(±2 ms) {g:0.000}, R {rel:0.000}, Γ/R {g / rel:0.000}, diverged {run.Diverged}");
        }
    }
}
