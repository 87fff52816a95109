using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Evaluation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Trainer.Tests.Compile;

public sealed class QuantizerTests(TrainedStgModel trained, ITestOutputHelper output) : IClassFixture<TrainedStgModel>
{
    [Theory]
    [InlineData(16)]
    [InlineData(8)]
    public void CompiledModelsLoadAndFollowTheFloatModel(int bits)
    {
        byte[] file = Quantizer.Compile(trained.Network, bits, out CompileSummary summary);
        output.WriteLine(summary.ToString());
        ModelLoadResult loaded = RmmqReader.Load(file);
        Assert.True(loaded.Ok, loaded.ToString());
        Assert.Equal(summary.Bytes, file.Length);
        Assert.Equal(2, loaded.Model.CurrentCount);
        Assert.Equal(12 + 4, loaded.Model.StateCount);

        Dataset data = trained.Data.Slice(50_000, 20_000);
        FidelityReport report = FixedPointRun.Compare(trained.Network, loaded.Model, data, 5000);
        output.WriteLine(report.ToString());
        double currentScale = 1.0;   // nA: the scale of ψ for this cell (C = 0.628 nF)
        Assert.True(report.OneStepCurrentRmsNa < (bits == 16 ? 0.01 : 0.1) * currentScale,
            $"one-step current error {report.OneStepCurrentRmsNa:G3} nA");
        Assert.True(report.OneStepVoltageMaxMv < (bits == 16 ? 0.05 : 0.5), $"one-step voltage error {report.OneStepVoltageMaxMv:G3} mV");
        Assert.True(report.FixedVsFloat[0].RmseMv < (bits == 16 ? 0.5 : 5), $"free-run voltage difference {report.FixedVsFloat[0].RmseMv:G3} mV RMS");
    }

    [Fact]
    public void CompileToFileWritesTheModelAndItsReport()
    {
        string dir = Directory.CreateTempSubdirectory("rmm-compile-").FullName;
        try
        {
            string path = Path.Combine(dir, "stg.rmmq");
            string native = Path.Combine(SharedData.RepoRoot, "firmware", "native");
            var result = ModelCompiler.CompileToFile(trained.Network, 16, path, trained.Data.Slice(80_000, 10_000), native);
            Assert.True(RmmqReader.Load(File.ReadAllBytes(path)).Ok);
            string report = File.ReadAllText(result.ReportPath);
            Assert.Contains("16-bit weights", report);
            Assert.Contains("integer operations per step", report);
            Assert.Contains("fixed vs float", report);
            Assert.Contains("budget: ", report);
            if (CycleBudget.ToolsAvailable(out _))
            {
                Assert.Equal(EmulatedCore.All.Count, result.Budget.Count);
                Assert.Contains("at this model's 10 kHz", report);
            }
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void TheTableIsTanhWithinFourLsb()
    {
        short[] table = Quantizer.BuildTable();
        for (double x = -9; x <= 9; x += 0.001)
        {
            int q = ActivationTable.Tanh(table, (int)Math.Round(x * 2048));
            double expected = Math.Tanh(Math.Clamp(Math.Round(x * 2048) / 2048, -8, 8 - 1.0 / 2048)) * 32768;
            Assert.True(Math.Abs(q - expected) <= 4,   // interpolation h²/8·max|tanh''| ≈ 3.1 LSB, plus rounding
                 $"tanh({x}) = {q}, expected {expected:0.0}");
        }
    }

    [Fact]
    public void MultipliersRepresentTheirFactors()
    {
        foreach (double f in new[] { 1e-9, 3.7e-4, 0.5, 1.0, 1.9999, 123.4, 16383.0 })
        {
            (int m, int s) = Quantizer.Multiplier(f, "test");
            Assert.InRange(m, FixedPoint.MultiplierMin, FixedPoint.MultiplierMax);
            Assert.InRange(s, 0, FixedPoint.ShiftMax);
            Assert.Equal(f, m * Math.Pow(2, -s), f * 1e-4);
        }

        Assert.Throws<UserError>(() => Quantizer.Multiplier(1e6, "too big"));
        Assert.Throws<UserError>(() => Quantizer.Multiplier(0, "zero"));
    }
}
