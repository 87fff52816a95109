using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Kernel;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Model;
using Xunit;

namespace RmmEdge.SharedModel.Tests;

/// <summary>
/// Golden vectors (TF10): tests/golden/&lt;set&gt;/ holds a model file, inputs and the expected output of
/// every step, stamped in tests/golden/README.md. Both kernels must reproduce them exactly; a port to a
/// device is checked the same way. Regenerate only on purpose, after a deliberate format or arithmetic
/// change: RMM_WRITE_GOLDEN=1 dotnet test --filter GoldenVector (the generator is this class).
/// </summary>
public sealed class GoldenVectorTests(NativeKernel native) : IClassFixture<NativeKernel>
{
    public const int Steps = 2000;

    public static TheoryData<string, int, int> Sets => new() { { "circuit-16bit", 16, 21 }, { "circuit-8bit", 8, 22 }, { "activity-16bit", 16, 23 } };

    private static string Dir(string set) => Path.Combine(SharedData.RepoRoot, "tests", "golden", set);

    [Theory]
    [MemberData(nameof(Sets))]
    public void BothKernelsReproduceTheGoldenVectors(string set, int bits, int seed)
    {
        if (Environment.GetEnvironmentVariable("RMM_WRITE_GOLDEN") == "1")
        {
            Write(set, bits, seed);
        }

        byte[] model = File.ReadAllBytes(Path.Combine(Dir(set), "model.rmmq"));
        int[] inputs = Ints(File.ReadAllBytes(Path.Combine(Dir(set), "inputs.bin")));
        int[] expected = Ints(File.ReadAllBytes(Path.Combine(Dir(set), "expected.bin")));
        int steps = inputs[0], neurons = inputs[1];
        int[] v0 = inputs[2..(2 + neurons)];
        int[] injected = new int[steps * neurons], measured = new int[steps * neurons];
        for (int k = 0; k < steps; k++)
        {
            Array.Copy(inputs, 2 + neurons + k * 2 * neurons, injected, k * neurons, neurons);
            Array.Copy(inputs, 2 + neurons + k * 2 * neurons + neurons, measured, k * neurons, neurons);
        }

        int[] managed = RunManaged(model, v0, injected, measured, steps, neurons);
        int[] cV = new int[steps * neurons], cI = new int[steps * neurons];
        Assert.Equal(0, native.Run(model, (uint)model.Length, v0, injected, measured, steps, cV, cI));
        int[] c = new int[steps * 2 * neurons];
        for (int k = 0; k < steps; k++)
        {
            Array.Copy(cV, k * neurons, c, k * 2 * neurons, neurons);
            Array.Copy(cI, k * neurons, c, k * 2 * neurons + neurons, neurons);
        }

        AssertSame(expected, managed, $"{set}: C# kernel");
        AssertSame(expected, c, $"{set}: C kernel");
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void TheCompilerStillWritesTheGoldenModelsByteForByte(string set, int bits, int seed)
    {
        // The writing side of the format (Quantizer → RmmqWriter): the same network and seed give the same file.
        byte[] golden = File.ReadAllBytes(Path.Combine(Dir(set), "model.rmmq"));
        Assert.Equal(golden, Quantizer.Compile(Network(set, seed), bits, out _));
    }

    private static Network Network(string set, int seed) =>
        set.StartsWith("activity", StringComparison.Ordinal) ? TestNetworks.ActivityCircuit(seed) : TestNetworks.Circuit(seed);

    /// <summary>
    /// The independent reference (<see cref="ReferenceStep"/>, written from the format's specification)
    /// reproduces every step of the golden output, agrees with the C# kernel at every stage the kernel
    /// exposes (bank states, ψ, Σψ, voltages), and gives back stages.bin, the per-stage file a port compares
    /// itself against (layout in tests/golden/README.md).
    /// </summary>
    [Theory]
    [MemberData(nameof(Sets))]
    public void TheIndependentReferenceReproducesTheGoldenVectorsStageByStage(string set, int bits, int seed)
    {
        _ = bits;
        _ = seed;
        byte[] file = File.ReadAllBytes(Path.Combine(Dir(set), "model.rmmq"));
        int[] inputs = Ints(File.ReadAllBytes(Path.Combine(Dir(set), "inputs.bin")));
        int[] expected = Ints(File.ReadAllBytes(Path.Combine(Dir(set), "expected.bin")));
        int steps = inputs[0], neurons = inputs[1];
        int[] v0 = inputs[2..(2 + neurons)];
        RmmqModel model = RmmqReader.Load(file).Model;
        var reference = new ReferenceStep(model, v0);
        var kernel = new StepKernel(model);
        kernel.Reset(v0);
        Assert.Equal(kernel.States.Select(x => (long)x), reference.States);
        var stages = new List<int>();
        for (int k = 0; k < steps; k++)
        {
            int[] injected = inputs[(2 + neurons + k * 2 * neurons)..(2 + neurons + k * 2 * neurons + neurons)];
            int[] measured = inputs[(2 + 2 * neurons + k * 2 * neurons)..(2 + 2 * neurons + k * 2 * neurons + neurons)];
            reference.Step(injected, measured);
            kernel.Step(injected, measured);
            for (int i = 0; i < neurons; i++)
            {
                Assert.True(reference.Voltages[i] == expected[k * 2 * neurons + i], $"{set} step {k}: reference v[{i}] {reference.Voltages[i]} != golden {expected[k * 2 * neurons + i]}");
                Assert.True(reference.CurrentInto[i] == expected[k * 2 * neurons + neurons + i], $"{set} step {k}: reference Σψ[{i}] {reference.CurrentInto[i]} != golden {expected[k * 2 * neurons + neurons + i]}");
            }

            AssertStage(set, k, "bank states", reference.States, kernel.States);
            AssertStage(set, k, "ψ", reference.Psi, kernel.CurrentValues);
            stages.AddRange(reference.Stages.Select(x => checked((int)x)));
        }

        string stagesPath = Path.Combine(Dir(set), "stages.bin");
        if (Environment.GetEnvironmentVariable("RMM_WRITE_GOLDEN") == "1")
        {
            File.WriteAllBytes(stagesPath, Bytes(stages.ToArray()));
        }

        Assert.True(Ints(File.ReadAllBytes(stagesPath)).SequenceEqual(stages), $"{set}: stages.bin differs from the reference's stages");
    }

    private static void AssertStage(string set, int step, string stage, long[] reference, int[] kernel)
    {
        for (int i = 0; i < reference.Length; i++)
        {
            Assert.True(reference[i] == kernel[i], $"{set} step {step}: {stage}[{i}] reference {reference[i]} != C# kernel {kernel[i]}");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Sets))]
    public void TheCortexMAndRiscVBuildsReproduceTheGoldenVectors(string set, int bits, int seed)
    {
        _ = bits;
        _ = seed;
        Skip.IfNot(CycleBudget.ToolsAvailable(out string missing), $"{missing} not installed (.ci/run installs {CycleBudget.Packages})");
        byte[] model = File.ReadAllBytes(Path.Combine(Dir(set), "model.rmmq"));
        int[] inputs = Ints(File.ReadAllBytes(Path.Combine(Dir(set), "inputs.bin")));
        byte[] expected = File.ReadAllBytes(Path.Combine(Dir(set), "expected.bin"));
        uint expectedCrc = RmmEdge.SharedModel.Format.Crc32.Compute(expected, 0, expected.Length);
        string native = Path.Combine(SharedData.RepoRoot, "firmware", "native");
        foreach (EmulatedCore core in EmulatedCore.All)
        {
            Assert.Equal(expectedCrc, CycleBudget.GoldenCrc(model, inputs, core, native));
        }
    }

    private static void AssertSame(int[] expected, int[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int[] bad = Enumerable.Range(0, expected.Length).Where(i => expected[i] != actual[i]).ToArray();
        Assert.True(bad.Length == 0, $"{what}: {bad.Length} mismatches, first at value {string.Join(", ", bad.Take(10).Select(i => $"[{i}] {actual[i]} != {expected[i]}"))}");
    }

    private static int[] RunManaged(byte[] model, int[] v0, int[] injected, int[] measured, int steps, int neurons)
    {
        var kernel = new StepKernel(FixedPointRun.Load(model));
        kernel.Reset(v0);
        int[] result = new int[steps * 2 * neurons], inj = new int[neurons], mea = new int[neurons];
        for (int k = 0; k < steps; k++)
        {
            Array.Copy(injected, k * neurons, inj, 0, neurons);
            Array.Copy(measured, k * neurons, mea, 0, neurons);
            kernel.Step(inj, mea);
            Array.Copy(kernel.Voltages, 0, result, k * 2 * neurons, neurons);
            Array.Copy(kernel.CurrentsInto, 0, result, k * 2 * neurons + neurons, neurons);
        }

        return result;
    }

    private static void Write(string set, int bits, int seed)
    {
        Directory.CreateDirectory(Dir(set));
        byte[] model = Quantizer.Compile(Network(set, seed), bits, out _);
        const int neurons = 2;
        var r = new Random(seed);
        var inputs = new List<int> { Steps, neurons, Quantizer.Q(-60, 16), Quantizer.Q(-55, 16) };
        int[] injected = new int[Steps * neurons], measured = new int[Steps * neurons];
        double v = -60;
        for (int k = 0; k < Steps; k++)
        {
            v = Math.Clamp(v + 4 * (r.NextDouble() - 0.5), -100, 50);
            for (int i = 0; i < neurons; i++)
            {
                injected[k * neurons + i] = Quantizer.Q(3 * (r.NextDouble() - 0.4), 16);
                measured[k * neurons + i] = Quantizer.Q(v, 16);
            }

            inputs.AddRange(injected[(k * neurons)..((k + 1) * neurons)]);
            inputs.AddRange(measured[(k * neurons)..((k + 1) * neurons)]);
        }

        int[] expected = RunManaged(model, inputs.Skip(2).Take(neurons).ToArray(), injected, measured, Steps, neurons);
        File.WriteAllBytes(Path.Combine(Dir(set), "model.rmmq"), model);
        File.WriteAllBytes(Path.Combine(Dir(set), "inputs.bin"), Bytes(inputs.ToArray()));
        File.WriteAllBytes(Path.Combine(Dir(set), "expected.bin"), Bytes(expected));
    }

    private static int[] Ints(byte[] b) => Enumerable.Range(0, b.Length / 4).Select(i => BitConverter.ToInt32(b, 4 * i)).ToArray();

    private static byte[] Bytes(int[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
}
