namespace RmmEdge.Trainer.Simulation;

/// <summary>
/// A selection record that mixes stimulus classes (issue 17 §3): what a lab records beside the training
/// protocol, not to fit but to choose among the training's snapshots, so that selection favours a model
/// that follows the cell on more than the training process. Four segments of <see cref="SegmentSeconds"/>,
/// each scored on its own (<see cref="Training.DataSplit.Beside"/>): a chirp (0.2 → 5 Hz, 0.35 ± 0.4 nA),
/// a falling ramp (+1.2 → −0.4 nA), steps held without noise (2 s at −0.5, 0.3, 1.0, 0.6, −0.2 nA, each
/// after 1 s at 0) and the training process itself with another seed. Their parameters are not the
/// judged probes' (<see cref="ProbeStimuli"/>: 0.1 → 10 Hz at 0.25 ± 0.5 nA, a rising ramp −0.5 → +1.5 nA,
/// steps at −0.9, 0.15, 0.45, 1.4, 0.8 nA, OU noise of another mean and SD), so a probe verdict is
/// still on a stimulus no stage of training or selection saw. Two of the quiet levels, −0.5 and 1.0 nA, are
/// levels of the constant-current table (ConstantCurrentResponse.StandardCurrentsNa), held 2 s here: a
/// class verdict there is on a level selection has seen for 2 s.
/// </summary>
public static class SelectionStimuli
{
    public static IReadOnlyList<string> Names { get; } = ["chirp", "ramp", "steps", "training"];

    /// <summary>Length of each segment: the filter banks' 2.24 s warm-up leaves about 12.8 s scored, five or more bursts of the catalogue's bursters.</summary>
    public const double SegmentSeconds = 15;

    /// <summary>
    /// <see cref="SegmentSeconds"/> of segment <paramref name="name"/> at <paramref name="dtMs"/> (nA);
    /// the training segment is <paramref name="training"/> drawn with <paramref name="seed"/>.
    /// </summary>
    public static float[] Generate(string name, double dtMs, StimulusSpec training, int seed)
    {
        float[] current = new float[(int)Math.Round(SegmentSeconds * 1000 / dtMs)];
        switch (name)
        {
            case "chirp": StimulusShapes.Chirp(current, dtMs, 0.2, 5, 0.35, 0.4); break;
            case "ramp": StimulusShapes.Ramp(current, 1.2, -0.4); break;
            case "steps": StimulusShapes.Steps(current, dtMs, [-0.5, 0.3, 1.0, 0.6, -0.2], 1, 2); break;
            case "training": current = training.Generate(current.Length, dtMs, seed); break;
            default: throw new ArgumentException($"unknown selection stimulus '{name}'; known: {string.Join(", ", Names)}", nameof(name));
        }

        return current;
    }

    /// <summary>
    /// <see cref="Generate"/> for a cell whose useful steps span <paramref name="lowNa"/>…<paramref name="highNa"/> (what
    /// `rmm protocol --range-na` asks): the chirp, ramp and steps, drawn for <see cref="StimulusSpec.SingleNeuron"/>'s
    /// range, mapped linearly onto it; the training segment is <paramref name="training"/> as given (already that range).
    /// </summary>
    public static float[] ForRange(string name, double dtMs, StimulusSpec training, int seed, double lowNa, double highNa)
    {
        float[] current = Generate(name, dtMs, training, seed);
        if (name != "training")
        {
            double from = StimulusSpec.SingleNeuron.StepLowNa, scale = (highNa - lowNa) / (StimulusSpec.SingleNeuron.StepHighNa - from);
            for (int k = 0; k < current.Length; k++) { current[k] = (float)(lowNa + (current[k] - from) * scale); }
        }

        return current;
    }
}
