using System.CommandLine;
using System.Globalization;
using RmmEdge.Rig;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm protocol`: the current a lab injects to record training data for a model that has to predict
/// more than the protocol it was trained on (StimulusSpec.Protocol), written as CSV (t_s, I_nA) with
/// its rationale; with --selection also the stimuli of a selection record (SelectionStimuli) for
/// `rmm train --selection`.
/// </summary>
internal static class ProtocolCommand
{
    public static Command Build(CommandContext context)
    {
        var seconds = CommandContext.Within(new Option<double>("--seconds") { Description = "Length of the protocol (s)", DefaultValueFactory = _ => 60 }, 1, 3600, "s");
        var range = new Option<string>("--range-na")
        {
            Description = "LOW:HIGH, the step levels in nA: from a hyperpolarising step that keeps the cell above about −90 mV to about twice its rheobase " +
                "(default for STG cells of ~0.6 nF)",
            DefaultValueFactory = _ => "-0.6:1.2",
        };
        range.Validators.Add(result =>
        {
            try { Range(result.GetValueOrDefault<string>()); }
            catch (UserError e) { result.AddError(e.Message); }
        });
        var dt = CommandContext.Within(new Option<double>("--dt-ms") { Description = "Sample interval of the written current (ms)", DefaultValueFactory = _ => 0.1 }, 0.001, 10, "ms");
        var seed = new Option<int>("--seed") { Description = "Seed of the random steps and noise", DefaultValueFactory = _ => 1 };
        var rest = CommandContext.Within(new Option<double>("--rest") { Description = "Fraction of the steps at rest (0 nA, no noise)", DefaultValueFactory = _ => ProtocolRest }, 0, 1, "");
        var quiet = CommandContext.Within(new Option<double>("--quiet") { Description = "Fraction of the other steps held without noise", DefaultValueFactory = _ => ProtocolQuiet }, 0, 1, "");
        var selection = new Option<bool>("--selection")
        {
            Description = "Also write the selection stimuli beside it (OUT-chirp.csv, OUT-ramp.csv, OUT-steps.csv, OUT-training.csv, 15 s each, scaled to --range-na): " +
                "record them too and pass them to rmm train --selection, which chooses the model by them without fitting them",
        };
        var output = CommandContext.OutputOption("CSV file to write: t_s, I_nA");
        var command = new Command("protocol", "Write an identification protocol: the current to inject while recording the data a model is trained on.\n" +
            "Examples:\n  rmm protocol --seconds 60 --out stim.csv\n  rmm protocol --seconds 60 --quiet 0.3 --out stim-quiet.csv\n  rmm protocol --seconds 60 --selection --out stim.csv\n  rmm protocol --seconds 120 --range-na -0.05:0.3 --dt-ms 0.05 --out cortical.csv");
        foreach (Option o in new Option[] { seconds, range, dt, seed, rest, quiet, selection, output }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            (double low, double high) = Range(parsed.GetValue(range)!);
            StimulusSpec spec = StimulusSpec.Protocol(low, high, parsed.GetValue(rest), parsed.GetValue(quiet));
            double dtMs = parsed.GetValue(dt);
            int samples = (int)Math.Round(parsed.GetValue(seconds) * 1000 / dtMs);
            float[] current = spec.Generate(samples, dtMs, parsed.GetValue(seed));
            string path = parsed.GetValue(output)!;
            WriteCurrent(path, current, dtMs);
            context.Out.WriteLine($"wrote {path}: {samples:N0} samples at {dtMs} ms ({samples * dtMs / 1000:0.#} s), {current.Min():0.###} to {current.Max():0.###} nA");
            context.Out.WriteLine("what it holds, and why:");
            context.Out.WriteLine($"  random steps of {spec.StepMinMs / 1000:0.#}-{spec.StepMaxMs / 1000:0.#} s between {low} and {high} nA ({spec.ZeroProbability:0%} at 0): " +
                "every level the model must cover, long enough for the slow currents (calcium, inactivation) to settle");
            context.Out.WriteLine($"  Ornstein-Uhlenbeck noise (τ {spec.OuTauMs:0} ms, SD {spec.OuSdNa:0.###} nA) on the steps: the fast dynamics at every level");
            context.Out.WriteLine($"  {spec.RestProbability:0%} of the steps at rest (0 nA, no noise): the cell's own rhythm, which a model trained only on driven data loses");
            if (spec.QuietProbability > 0)
            {
                context.Out.WriteLine($"  {spec.QuietProbability:0%} of the other steps without noise: constant current at each level");
            }

            context.Out.WriteLine("  measured on five simulated Prinz cells (RmmEdge.Bench generalisation, seed 1; README \"Generalisation\"): with 30 % rest steps, 6 of 20 " +
                "unseen probes within the bar and the constant-current class right at 20 of 30 levels; adding 30 % quiet steps gave 5 of 20 and 22 of 30, so --quiet is 0 by default");
            context.Out.WriteLine("  a model knows the voltages this protocol takes the cell to; beyond them its currents are extrapolated (rmm eval prints how much of a run lies outside): " +
                "set --range-na to cover the largest currents you will inject");
            if (parsed.GetValue(selection))
            {
                WriteSelection(context, path, spec, low, high, dtMs, parsed.GetValue(seed));
            }

            return Cli.Ok;
        });
        return command;
    }

    /// <summary>
    /// The selection stimuli (SelectionStimuli.ForRange, mapped onto LOW…HIGH), one file each beside <paramref name="path"/>;
    /// the training segment is the protocol itself drawn with the next seed.
    /// </summary>
    private static void WriteSelection(CommandContext context, string path, StimulusSpec spec, double low, double high, double dtMs, int seed)
    {
        string stem = Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path));
        var written = new List<string>();
        foreach (string name in SelectionStimuli.Names)
        {
            string file = $"{stem}-{name}.csv";
            WriteCurrent(file, SelectionStimuli.ForRange(name, dtMs, spec, seed + 1, low, high), dtMs);
            written.Add(file);
        }

        context.Out.WriteLine($"wrote the selection stimuli: {string.Join(", ", written)} ({SelectionStimuli.SegmentSeconds:0} s each)");
        context.Out.WriteLine("  a chirp, a falling ramp, steps held without noise, and the protocol with another seed: record each as its own file or sweep and train with " +
            $"rmm train DATA --selection {string.Join(" ", written.Select(Path.GetFileName).Select(f => Path.ChangeExtension(f, ".abf")))}; selection then keeps the snapshot " +
            "that follows the cell on all four, each scored on its own (README \"Generalisation\" for what it did on the simulated cells)");
    }

    private static void WriteCurrent(string path, float[] current, double dtMs) =>
        UserFiles.WriteAtomically(path, stream =>
        {
            using var writer = new StreamWriter(stream);
            writer.WriteLine("t_s,I_nA");
            for (int k = 0; k < current.Length; k++)
            {
                writer.Write((k * dtMs / 1000).ToString("0.######", CultureInfo.InvariantCulture));
                writer.Write(',');
                writer.WriteLine(current[k].ToString("0.####", CultureInfo.InvariantCulture));
            }
        });

    /// <summary>--range-na LOW:HIGH (nA), within ±100 nA.</summary>
    private static (double Low, double High) Range(string text) => RangeText.Parse(text, "--range-na", "nA", 100, "-0.6:1.2");

    /// <summary>Default fractions of rest and quiet steps (BuiltInData.RhythmRestProbability; quiet steps were no net gain: README "Generalisation").</summary>
    public const double ProtocolRest = BuiltInData.RhythmRestProbability, ProtocolQuiet = 0;
}
