using System.Diagnostics;
using RmmEdge.Rig.Neurons;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.SharedModel.Tests;

/// <summary>
/// The C loader and kernel under AddressSanitizer and UndefinedBehaviorSanitizer: 100,000 mutated or
/// truncated model files (half with a corrected CRC, so they reach the structural checks); each is
/// rejected with a reason or loads and steps. Any out-of-bounds access or undefined behaviour aborts
/// the sanitized run and fails the test.
/// </summary>
public sealed class LoaderFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void HundredThousandMutantsUnderAddressSanitizer()
    {
        string dir = Directory.CreateTempSubdirectory("rmm-fuzz-").FullName;
        try
        {
            string fuzzer = Path.Combine(dir, "rmm_fuzz");
            string native = Path.Combine(SharedData.RepoRoot, "firmware", "native");
            NativeKernel.Compile("-std=c99 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all", fuzzer,
                Path.Combine(SharedData.RepoRoot, "tests", "native", "rmm_fuzz.c"), Path.Combine(native, "rmm_load.c"), Path.Combine(native, "rmm_step.c"));
            string model = Path.Combine(dir, "seed.rmmq");
            File.WriteAllBytes(model, Quantizer.Compile(TestNetworks.Circuit(5), 8, out _));

            var info = new ProcessStartInfo(fuzzer, $"{model} 100000 7") { RedirectStandardOutput = true, RedirectStandardError = true };
            using Process run = Process.Start(info)!;
            string stdout = run.StandardOutput.ReadToEnd(), stderr = run.StandardError.ReadToEnd();
            run.WaitForExit();
            output.WriteLine(stdout);
            Assert.True(run.ExitCode == 0, $"the sanitized fuzz run failed (exit {run.ExitCode}):\n{stderr}");
            Assert.Contains("mutants 100000", stdout);
            Assert.DoesNotContain("loaded 0 ", stdout);   // some mutants must load and step, or the kernel was never fuzzed
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
