using RmmEdge.Trainer.Data;

namespace RmmEdge.Bench;

/// <summary>A training and a test record of ../shared/data/synthetic, as the accuracy benchmarks use them.</summary>
public static class SyntheticPair
{
    /// <summary>
    /// synthetic/{trainStem}_{kind}.csv.gz and synthetic/{testStem}_{kind}.csv.gz, or null (with a line
    /// saying which is absent) when the shared data is not there.
    /// </summary>
    public static (Dataset Train, Dataset Test)? Load(string sharedData, string trainStem, string testStem, string kind, TextWriter output)
    {
        string trainPath = Path.Combine(sharedData, "synthetic", $"{trainStem}_{kind}.csv.gz");
        string testPath = Path.Combine(sharedData, "synthetic", $"{testStem}_{kind}.csv.gz");
        if (!File.Exists(trainPath) || !File.Exists(testPath))
        {
            output.WriteLine($"skipped: {trainPath} or {testPath} is absent");
            return null;
        }

        return (Dataset.FromRecording(CsvRecordingReader.Read(trainPath)), Dataset.FromRecording(CsvRecordingReader.Read(testPath)));
    }
}
