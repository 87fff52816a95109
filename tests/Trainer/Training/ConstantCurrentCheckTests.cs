using RmmEdge.Rig;
using RmmEdge.Rig.Neurons;
using RmmEdge.Trainer.Data;
using RmmEdge.Trainer.Interpretation;
using RmmEdge.Trainer.Model;
using RmmEdge.Trainer.Simulation;
using RmmEdge.Trainer.Training;
using Xunit;

namespace RmmEdge.Trainer.Tests.Training;

/// <summary>
/// The constant-current check that snapshot selection subtracts (what the cell does at rest), its
/// configuration field, and seed restarts until a model is accepted for its task.
/// </summary>
public sealed class ConstantCurrentCheckTests
{
    private static ActivitySummary Bursting(double periodMs, double spikesPerBurst) =>
        new(FiringPattern.Bursting, 100, 10, periodMs, spikesPerBurst, -70, 30);

    [Fact]
    public void TheDistanceIsZeroForTheCellsActivityOneForAnotherPatternAndRelativeErrorsBetween()
    {
        var check = new ConstantCurrentCheck(0, FiringPattern.Bursting, PeriodMs: 840, SpikesPerBurst: 10);
        Assert.Equal(0, check.Distance(Bursting(840, 10)));
        Assert.Equal(1, check.Distance(new ActivitySummary(FiringPattern.Silent, 0, 0, double.NaN, double.NaN, -45, -44)));
        Assert.Equal(1, check.Distance(new ActivitySummary(FiringPattern.Tonic, 50, 5, 200, 1, -60, 30)));
        Assert.Equal(0.5 * (0.5 + 0.8), check.Distance(Bursting(420, 2)), 12);
        Assert.Equal(0.5 * (1 + 1), check.Distance(Bursting(2520, 40)), 12);   // each term at most 1
        Assert.Equal(0, new ConstantCurrentCheck(0, FiringPattern.Bursting).Distance(Bursting(420, 2)));   // pattern only
        Assert.Equal(0.25, new ConstantCurrentCheck(1, FiringPattern.Tonic, RateHz: 20).Distance(new ActivitySummary(FiringPattern.Tonic, 50, 25, 40, 1, -60, 30)), 12);
    }

    [Fact]
    public void TheCheckIsAConfigurationFieldAndImpossibleFiguresAreRefusedByName()
    {
        TrainingConfig config = TrainingConfig.FromJson(
            """{"teacherForcing": {"constantCurrentCheck": {"currentNa": 0, "pattern": "bursting", "periodMs": 840, "spikesPerBurst": 10}}}""", "a.json");
        config.Check();
        Assert.Equal(new ConstantCurrentCheck(0, FiringPattern.Bursting, 840, null, 10), config.TeacherForcing.ConstantCurrentCheck);
        Assert.Equal(config.TeacherForcing.ConstantCurrentCheck, TrainingConfig.FromJson(config.ToJson(), "round trip").TeacherForcing.ConstantCurrentCheck);

        TrainingConfig bad = TrainingConfig.FromJson("""{"teacherForcing": {"constantCurrentCheck": {"currentNa": 0, "pattern": "bursting", "periodMs": -5}}}""", "b.json");
        var e = Assert.Throws<UserError>(bad.Check);
        Assert.StartsWith("teacherForcing.constantCurrentCheck:", e.Message);

        // A misspelt choice names its field and the names it accepts, not a .NET type.
        e = Assert.Throws<UserError>(() => TrainingConfig.FromJson("""{"teacherForcing": {"constantCurrentCheck": {"currentNa": 0, "pattern": "burst"}}}""", "c.json"));
        Assert.Equal("c.json: not a valid training configuration: teacherForcing.constantCurrentCheck.pattern: expected one of " +
            string.Join(", ", Enum.GetNames<FiringPattern>().Select(n => char.ToLowerInvariant(n[0]) + n[1..])), e.Message);
        e = Assert.Throws<UserError>(() => TrainingConfig.FromJson("""{"teacherForcing": {"polishKeep": "worst"}}""", "d.json"));
        Assert.Equal("d.json: not a valid training configuration: teacherForcing.polishKeep: expected one of last, best", e.Message);
        e = Assert.Throws<UserError>(() => TrainingConfig.FromJson("""{"teacherForcing": {"epochs": "many"}}""", "e.json"));
        Assert.Equal("e.json: not a valid training configuration: teacherForcing.epochs: expected a whole number", e.Message);
    }

    [Fact]
    public void TheCheckOfASimulatedCellIsWhatTheCellDoes()
    {
        ConstantCurrentCheck check = ConstantCurrentCheck.OfCircuit(() => Circuit.SingleStg(), 0, 0.1);
        Assert.Equal(FiringPattern.Bursting, check.Pattern);
        Assert.InRange(check.PeriodMs!.Value, 820, 860);   // neuron A: 840 ms, 10 spikes per burst (shared/data/synthetic's reference)
        Assert.InRange(check.SpikesPerBurst!.Value, 9.5, 10.5);
    }

    [Fact]
    public void SeedsAreTriedUntilOneIsAcceptedAndTheFirstAcceptedIsKept()
    {
        Dataset data = BuiltInData.Simulate("stg", 4, seed: 1, BuiltInData.RhythmRestProbability);
        var config = new TrainingConfig
        {
            Network = "single", Hidden = [4, 4], Seed = 5,
            TeacherForcing = new TeacherForcingOptions { Epochs = 2, ValidateEvery = 0, TransientMs = 100 },
        };
        var seen = new List<int>();
        int asked = 0;
        PipelineResult kept = TrainingPipeline.RunUntilAccepted(config, data, 3, _ => new Acceptance(++asked == 2, "accepted on the second try"),
            onSeed: (seed, _, _) => seen.Add(seed));
        Assert.Equal([5, 6], seen);
        // Seed 6 trained beside seed 5's check (and seed 7 beside seed 6's, then cancelled): the same model as alone.
        float[][] alone = TrainingPipeline.Run(config with { Seed = 6 }, data).Network.Snapshot();
        Assert.Equal(alone, kept.Network.Snapshot());

        seen.Clear();
        TrainingPipeline.RunUntilAccepted(config, data, 3, _ => new Acceptance(false, "never"), onSeed: (seed, _, _) => seen.Add(seed));
        Assert.Equal([5, 6, 7], seen);
    }

    [Fact]
    public void HeldProgressIsToldInOrderOnceReleasedAndThenPassedOn()
    {
        var told = new List<int>();
        var held = new HeldProgress<int>(new Recorder(told));
        held.Report(1);
        held.Report(2);
        Assert.Empty(told);
        held.Release();
        held.Report(3);
        Assert.Equal([1, 2, 3], told);
    }

    private sealed class Recorder(List<int> told) : IProgress<int>
    {
        public void Report(int value) => told.Add(value);
    }
}
