using nanoFramework.TestFramework;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.NanoUnit.Tests;

/// <summary>
/// Samples the runner must report correctly. Deliberately without [TestClass], so that discovery
/// does not pick them up; the facts below run them by name.
/// </summary>
public class RunnerSamples
{
    public static int SetupCalls;
    public static int CleanupCalls;

    [Setup]
    public void Setup() => SetupCalls++;

    [Cleanup]
    public void Cleanup() => CleanupCalls++;

    [TestMethod]
    public void Fails() => nanoFramework.TestFramework.Assert.AreEqual(1, 2);

    [TestMethod]
    public void Skips() => nanoFramework.TestFramework.Assert.SkipTest("no device here");

    [TestMethod]
    public void ThrowsUnexpected() => throw new InvalidOperationException("boom");

    [DataRow(3, 4, 7)]
    public void Adds(int a, int b, int sum) => nanoFramework.TestFramework.Assert.AreEqual(sum, a + b);
}

public sealed class RunnerSelfCheckTests(ITestOutputHelper output)
{
    private readonly NanoTestRunner _runner = new(output);
    private static readonly string Samples = typeof(RunnerSamples).FullName!;

    [Fact]
    public void AFailedAssertionFailsTheCase()
    {
        var e = Xunit.Assert.Throws<AssertFailedException>(() => _runner.Run(Samples, nameof(RunnerSamples.Fails), -1));
        Xunit.Assert.Contains("expected <1> but was <2>", e.Message);
    }

    [Fact]
    public void AnUnexpectedExceptionFailsTheCase() =>
        Xunit.Assert.Throws<InvalidOperationException>(() => _runner.Run(Samples, nameof(RunnerSamples.ThrowsUnexpected), -1));

    [Fact]
    public void SkipTestSkips() =>
        Xunit.Assert.Throws<SkipException>(() => _runner.Run(Samples, nameof(RunnerSamples.Skips), -1));

    [Fact]
    public void DataRowsAreConvertedAndPassed() => _runner.Run(Samples, nameof(RunnerSamples.Adds), 0);

    [Fact]
    public void SetupAndCleanupRunAroundEveryCase()
    {
        int setup = RunnerSamples.SetupCalls, cleanup = RunnerSamples.CleanupCalls;
        Xunit.Assert.ThrowsAny<Exception>(() => _runner.Run(Samples, nameof(RunnerSamples.Fails), -1));
        Xunit.Assert.Equal(setup + 1, RunnerSamples.SetupCalls);
        Xunit.Assert.Equal(cleanup + 1, RunnerSamples.CleanupCalls);
    }

    [Fact]
    public void FloatEqualityIsExactAsOnTheDevice() =>
        Xunit.Assert.Throws<AssertFailedException>(() => nanoFramework.TestFramework.Assert.AreEqual(0.1f, 0.1f + 1e-7f));
}
