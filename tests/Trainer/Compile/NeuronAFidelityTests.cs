using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Compile;

/// <summary>
/// Issue 5's fidelity bar on the bursting STG neuron A of shared/data/synthetic: a model trained on
/// the 60 s training file, compiled with 16-bit weights, free-runs on the 20 s test file with a burst
/// period within 2% of the float model's and mean spikes per burst within ±0.5 (metrics.md rules, the
/// float run's spikes defining the burst gap). The 8-bit model's figures are printed.
/// </summary>
public sealed class NeuronAFidelityTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void SixteenBitModelBurstsLikeTheFloatModel()
    {
        Dataset test = NeuronAModel.Test;
        Network network = NeuronAModel.Network;

        foreach (int bits in new[] { 16, 8 })
        {
            byte[] file = Quantizer.Compile(network, bits, out CompileSummary summary);
            FidelityReport report = FixedPointRun.Compare(network, FixedPointRun.Load(file), test, network.WarmupSamples);
            output.WriteLine(summary.ToString());
            output.WriteLine(report.ToString());
            var versus = report.FixedVsFloat[0];
            if (bits == 16)
            {
                Assert.True(report.Float[0].ModelBursts.Bursts >= 10, "the float model must burst for this comparison to mean anything");
                Assert.True(Math.Abs(versus.PeriodError) <= 0.02, $"16-bit burst period {versus.ModelBursts.PeriodMs:0.0} ms vs float {versus.DataBursts.PeriodMs:0.0} ms");
                Assert.True(Math.Abs(versus.SpikesPerBurstError) <= 0.5, $"16-bit spikes per burst {versus.ModelBursts.SpikesPerBurst:0.00} vs float {versus.DataBursts.SpikesPerBurst:0.00}");
            }
        }
    }
}
