using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>Issue 20's determinism rule: a seed trains the same model whatever the number of threads.</summary>
internal static class ThreadCounts
{
    /// <summary>Trains on one thread, then on two and three, and asserts every parameter is the same to the bit.</summary>
    public static void AssertTheSameModel(Func<int, float[][]> train)
    {
        float[][] one = train(1);
        foreach (int threads in new[] { 2, 3 })
        {
            float[][] several = train(threads);
            Assert.Equal(one.Length, several.Length);
            for (int p = 0; p < one.Length; p++) { Assert.Equal(one[p], several[p]); }
        }
    }
}
