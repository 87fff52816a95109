using System.CommandLine;
using RmmEdge.Emulator;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.Rig.Neurons;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Compile;
using RmmEdge.Trainer.Simulation;

namespace RmmEdge.Cli;

/// <summary>`rmm emulate MODEL --board B`: the firmware's loop on a virtual board wired to a simulated preparation.</summary>
internal static class EmulateCommand
{
    public static Command Build(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Compiled model (.rmmq)" };
        var board = new Option<string>("--board") { Description = "Board profile (id in boards/ or a JSON file)", DefaultValueFactory = _ => "stm32f769i-discovery" };
        var preset = new Option<int>("--preset") { Description = "Front-end preset of the profile", DefaultValueFactory = _ => 0 };
        var mode = new Option<string>("--mode") { Description = "emulator (command current in, model voltage out), clamp or hybrid (a simulated STG cell)", DefaultValueFactory = _ => "hybrid" };
        mode.AcceptOnlyFromAmong("emulator", "clamp", "hybrid");
        var engine = new Option<string>("--engine") { Description = "managed or native (default: what the profile offers for the model's rate)" };
        engine.AcceptOnlyFromAmong("managed", "native");
        var seconds = new Option<double>("--seconds") { Description = "Emulated time (s)", DefaultValueFactory = _ => 10 };
        var limit = new Option<double>("--current-limit") { Description = "Largest injected current magnitude (nA)", DefaultValueFactory = _ => 2.0 };
        var lossAt = new Option<double?>("--electrode-loss-at") { Description = "Pull the electrode out of the cell at this time (s)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the command protocol and converter noise", DefaultValueFactory = _ => 1 };
        var output = CommandContext.OutputOption("Write the record (time, input, output, DAC code) to this CSV file", required: false);
        var command = new Command("emulate", "Run a compiled model in the real firmware loop on a virtual board, against a simulated cell or a command protocol, in virtual time.\n" +
            "Examples:\n  rmm emulate hco.rmmq --board esp32-devkitc --mode hybrid --seconds 20 --out hybrid.csv\n  rmm emulate stg.rmmq --mode emulator --engine native");
        command.Arguments.Add(model);
        foreach (Option o in new Option[] { board, preset, mode, engine, seconds, limit, lossAt, seed, output }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(model)!;
            double secondsValue = parsed.GetValue(seconds);
            double limitNa = parsed.GetValue(limit);
            RunLimits.CheckEmulatedTime(secondsValue, parsed.GetValue(lossAt));
            RunLimits.CheckCurrentLimit(limitNa);
            (byte[] bytes, RmmqModel loaded) = FixedPointRun.ReadFile(path);

            BoardProfile profile = BoardProfile.Load(parsed.GetValue(board)!);
            profile.Preset(parsed.GetValue(preset));
            double dtMs = loaded.DtNs / 1e6;
            byte? chosen = parsed.GetValue(engine) switch
            {
                "managed" => BoardInfo.EngineManaged,
                "native" => BoardInfo.EngineNative,
                _ => profile.EngineFor(dtMs, out _),
            };
            if (chosen is null)
            {
                profile.EngineFor(dtMs, out string reason);
                throw new UserError($"{path}: {reason}");
            }

            string modeName = parsed.GetValue(mode)!;
            bool emulator = modeName == "emulator";
            int[] external = Enumerable.Range(0, loaded.NeuronCount).Where(i => loaded.External[i]).ToArray();
            if (!emulator && external.Length == 0)
            {
                throw new UserError($"{path}: the {modeName} mode needs a model with a measured (external) neuron; this model has none (use --mode emulator)");
            }

            // Two measured neurons in the clamp modes: one cell on each amplifier channel (e.g. a dynamic-clamp half-centre).
            bool twoCells = !emulator && external.Length >= 2;
            int measured = emulator ? 0 : external[0];

            var run = new RunConfiguration
            {
                Mode = emulator ? RunConfiguration.ModeEmulator : modeName == "clamp" ? RunConfiguration.ModeDynamicClamp : RunConfiguration.ModeHybrid,
                Engine = chosen.Value, PeriodUs = (uint)(loaded.DtNs / 1000),
                CurrentMin = -(int)Math.Round(limitNa * 65536), CurrentMax = (int)Math.Round(limitNa * 65536), ValidMin = -120 << 16, ValidMax = 70 << 16,
                ElectrodeLossMs = 20, OverrunStreak = 10,
                MeasuredNeuron = (byte)measured, OutputNeuron = (byte)(emulator ? Array.FindIndex(loaded.External, e => !e) : measured),
            };
            if (twoCells)
            {
                run.Channels = 2;
                run.MeasuredNeuron2 = run.OutputNeuron2 = (byte)external[1];
            }

            IPreparation preparation;
            if (emulator)
            {
                float[] protocol = StimulusSpec.SingleNeuron.Generate((int)(secondsValue * 1000 / dtMs) + 1, dtMs, parsed.GetValue(seed));
                preparation = new CommandPreparation(t => protocol[Math.Min(protocol.Length - 1, (int)(t / dtMs))]);
            }
            else if (twoCells)
            {
                // Two uncoupled STG cells, started apart so that whatever couples them has a symmetry to break.
                var cells = new Circuit([new StgNeuron(StgConductances.Bursting), new StgNeuron(StgConductances.Bursting)], []);
                cells.Reset([-60, -45]);
                preparation = new CellPreparation(cells, [0, 1]) { ElectrodeLossAtMs = (parsed.GetValue(lossAt) ?? double.PositiveInfinity) * 1000 };
            }
            else
            {
                preparation = new CellPreparation(Circuit.SingleStg(), 0) { ElectrodeLossAtMs = (parsed.GetValue(lossAt) ?? double.PositiveInfinity) * 1000 };
            }

            var options = chosen == BoardInfo.EngineNative
                ? new VirtualBoardOptions { AdcReadUs = 2, DacWriteUs = 1, StepUs = Math.Min(0.8 * run.PeriodUs, 60), Seed = parsed.GetValue(seed) }
                : new VirtualBoardOptions { Seed = parsed.GetValue(seed) };
            EmulationResult result = ProgressView.RunFraction(context, "emulating",
                progress => Emulation.Run(new EmulationSetup(bytes, profile, parsed.GetValue(preset), run, preparation, secondsValue, options, progress)));
            context.Out.WriteLine($"{profile.Name}, {(chosen == BoardInfo.EngineNative ? "native" : "managed")} engine, {modeName} mode" +
                $"{(twoCells ? ", two cells" : "")}: {result.Summary}");
            if (parsed.GetValue(output) is string csv)
            {
                result.Save(csv);
                context.Out.WriteLine($"wrote {csv}");
            }

            return result.Status.Reason is StopReason.Requested or StopReason.None ? Cli.Ok : Cli.Failure;
        });
        return command;
    }
}
