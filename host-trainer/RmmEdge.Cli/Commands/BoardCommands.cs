using System.CommandLine;
using System.Globalization;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.Trainer.Compile;

namespace RmmEdge.Cli;

/// <summary>
/// `rmm flash`, `rmm run`, `rmm monitor`: the host's side of the wire protocol, over a serial device
/// (or the emulator's pseudo-terminal). Every refusal of the board is reported with its reason.
/// </summary>
internal static class BoardCommands
{
    private static Option<string> PortOption() => new("--port") { Description = "Serial device of the board (e.g. /dev/ttyUSB0) or the emulator's pseudo-terminal", Required = true };

    private static Option<int> BaudOption() => new("--baud") { Description = "Baud rate", DefaultValueFactory = _ => 921600 };

    private static Option<string?> BoardOption() => new("--board") { Description = "Board profile (id in boards/, or a JSON file): checks the model's rate against the board's engines" };

    private static BoardClient Connect(ParseResult parsed, Option<string> port, Option<int> baud) =>
        new(SerialDevice.Open(parsed.GetValue(port)!, parsed.GetValue(baud)));

    /// <summary>Hello, and a refusal with the reason when the board speaks another protocol version.</summary>
    private static BoardInfo Greet(BoardClient client)
    {
        BoardInfo info = client.Hello();
        if (info.ProtocolVersion != WireFormat.Version)
        {
            throw new UserError($"the board speaks protocol version {info.ProtocolVersion}; this rmm speaks {WireFormat.Version} (update the firmware or rmm)");
        }

        return info;
    }

    public static Command Flash(CommandContext context)
    {
        var model = new Argument<string>("model") { Description = "Compiled model (.rmmq)" };
        var port = PortOption();
        var baud = BaudOption();
        var board = BoardOption();
        var command = new Command("flash", "Upload a compiled model to the board: verified, validated, then switched in; the running model stays on any failure.\n" +
            "Example: rmm flash stg.rmmq --port /dev/ttyUSB0 --board esp32-devkitc");
        command.Arguments.Add(model);
        foreach (Option o in new Option[] { port, baud, board }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(model)!;
            (byte[] bytes, RmmqModel local) = FixedPointRun.ReadFile(path);
            double dtMs = local.DtNs / 1e6;
            if (parsed.GetValue(board) is string profilePath)
            {
                BoardProfile profile = BoardProfile.Load(profilePath);
                byte engine = profile.EngineFor(dtMs, out string reason) ?? throw new UserError($"{path}: refused: {reason}");
                RefuseWhatTheCoreCannotHold(path, bytes, profile, engine, 1000 / dtMs);
            }

            using BoardClient client = Connect(parsed, port, baud);
            BoardInfo info = Greet(client);

            double rateHz = 1000 / dtMs;
            if (rateHz > Math.Max(info.ManagedMaxHz, info.NativeMaxHz))
            {
                throw new UserError($"{path}: refused: the model steps at {rateHz:0.#} Hz; board {info.BoardId} reports at most {info.ManagedMaxHz} Hz (managed) and {info.NativeMaxHz} Hz (native)");
            }

            if (bytes.Length > info.MaxModelBytes)
            {
                throw new UserError($"{path}: refused: {bytes.Length} bytes; board {info.BoardId} stores at most {info.MaxModelBytes}");
            }

            BoardReply reply = client.Upload(bytes);
            if (!reply.Ok)
            {
                throw new UserError($"{path}: the board refused the model: {reply} (the previous model still runs)");
            }

            context.Out.WriteLine($"flashed {path} to {info.BoardId}: {bytes.Length:N0} bytes, CRC {Crc32.Compute(bytes, 0, bytes.Length):X8}, verified and active");
            return Cli.Ok;
        });
        return command;
    }

    /// <summary>
    /// For the native engine on a core we emulate (and with the cross tools here): measure the model's
    /// step there and refuse it when one step takes more than <see cref="BoardFit.MaxLoad"/> of the period,
    /// which the profile's rate limit alone does not catch (a large model at a rate the engine allows).
    /// </summary>
    private static void RefuseWhatTheCoreCannotHold(string path, byte[] bytes, BoardProfile profile, byte engine, double rateHz)
    {
        if (engine != BoardInfo.EngineNative || EmulatedCore.For(profile.Core) is not { } core || NativeSources.Find() is not string native
            || !CycleBudget.ToolsAvailable(out _))
        {
            return;
        }

        BoardFit fit = BoardFit.Native(profile, CycleBudget.Measure(bytes, core, native), rateHz);
        if (fit.Holds != true)
        {
            throw new UserError($"{path}: refused: {fit.Verdict} on {profile.Id} ({fit.Cost}); size the network for it with rmm train --target {profile.Id}");
        }
    }

    public static Command Run(CommandContext context)
    {
        var port = PortOption();
        var baud = BaudOption();
        var mode = new Option<string>("--mode") { Description = "emulator (command current in, model voltage out), clamp (measured voltage in, model current out), hybrid", DefaultValueFactory = _ => "clamp" };
        mode.AcceptOnlyFromAmong("emulator", "clamp", "hybrid");
        var engine = new Option<string>("--engine") { Description = "managed or native", DefaultValueFactory = _ => "managed" };
        engine.AcceptOnlyFromAmong("managed", "native");
        var periodUs = new Option<uint>("--period-us") { Description = "Loop period in µs (must equal the model's step)", DefaultValueFactory = _ => 100 };
        var limit = new Option<double>("--current-limit") { Description = "Largest injected current magnitude (nA)", DefaultValueFactory = _ => 2.0 };
        var valid = new Option<string>("--valid-range") { Description = "Valid measured voltage range in mV, MIN:MAX (outside it too long = electrode lost)", DefaultValueFactory = _ => "-120:60" };
        var lossMs = new Option<ushort>("--loss-ms") { Description = "How long out of range counts as electrode loss (ms)", DefaultValueFactory = _ => 20 };
        var streak = new Option<ushort>("--overrun-streak") { Description = "Overruns in a row that stop the loop", DefaultValueFactory = _ => 10 };
        var measured = new Option<byte>("--measured-neuron") { Description = "The model's measured (external) neuron", DefaultValueFactory = _ => 1 };
        var outputNeuron = new Option<byte>("--output-neuron") { Description = "The neuron whose voltage (emulator) or current (clamp) goes out", DefaultValueFactory = _ => 0 };
        var measured2 = new Option<byte?>("--measured-neuron2") { Description = "A second channel: the model's second measured neuron (a second cell on the second ADC/DAC pair)" };
        var outputNeuron2 = new Option<byte?>("--output-neuron2") { Description = "A second channel: the neuron whose voltage or current goes out on the second DAC" };
        var seconds = CommandContext.Within(new Option<double>("--seconds") { Description = "Run this long while monitoring, then stop (0: start and leave it running, a standalone rig)", DefaultValueFactory = _ => 0 }, 0, 1e7, "s");
        var hostTimeout = CommandContext.Within(new Option<double?>("--host-timeout")
        {
            Description = "Stop the loop (output safe) when the board hears nothing from the host this long (s, 0.1-25.5; 0: never). " +
                "Default: 2 s for a supervised run (--seconds > 0), 0 for a standalone one (--seconds 0)",
        }, 0, 25.5, "s");
        var output = CommandContext.OutputOption("Also write the telemetry to this CSV file", required: false);
        var board = BoardOption();
        var preset = new Option<int>("--preset") { Description = "Front-end preset of the board profile (index; sends the converter calibration)", DefaultValueFactory = _ => 0 };
        var command = new Command("run", "Start the closed loop on the board with safety limits (and monitor it for --seconds).\n" +
            "Examples:\n  rmm run --port /dev/ttyUSB0 --mode clamp --current-limit 1.5 --seconds 60 --out run.csv\n" +
            "  rmm run --port /dev/ttyUSB0 --mode clamp --measured-neuron 0 --output-neuron 0 --measured-neuron2 1 --output-neuron2 1   (two cells)");
        foreach (Option o in new Option[] { port, baud, mode, engine, periodUs, limit, valid, lossMs, streak, measured, outputNeuron, measured2, outputNeuron2, seconds, hostTimeout, output, board, preset }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            (double vMin, double vMax) = RunLimits.ParseValidRange(parsed.GetValue(valid)!);
            double limitNa = parsed.GetValue(limit);
            RunLimits.CheckCurrentLimit(limitNa);
            RunLimits.CheckPeriod(parsed.GetValue(periodUs));
            BoardProfile? profile = parsed.GetValue(board) is string profilePath ? BoardProfile.Load(profilePath) : null;
            FrontEndPreset? frontEnd = profile?.Preset(parsed.GetValue(preset));

            var config = new RunConfiguration
            {
                Mode = parsed.GetValue(mode) switch { "emulator" => RunConfiguration.ModeEmulator, "hybrid" => RunConfiguration.ModeHybrid, _ => RunConfiguration.ModeDynamicClamp },
                Engine = parsed.GetValue(engine) == "native" ? BoardInfo.EngineNative : BoardInfo.EngineManaged,
                PeriodUs = parsed.GetValue(periodUs),
                CurrentMin = -(int)Math.Round(limitNa * 65536), CurrentMax = (int)Math.Round(limitNa * 65536),
                ValidMin = (int)Math.Round(vMin * 65536), ValidMax = (int)Math.Round(vMax * 65536),
                ElectrodeLossMs = parsed.GetValue(lossMs), OverrunStreak = parsed.GetValue(streak),
                MeasuredNeuron = parsed.GetValue(measured), OutputNeuron = parsed.GetValue(outputNeuron),
                TelemetryEvery = (ushort)Math.Max(1, 10_000 / parsed.GetValue(periodUs)),   // about 100 frames/s
                HostTimeoutTenths = (byte)Math.Round(10 * (parsed.GetValue(hostTimeout) ?? (parsed.GetValue(seconds) > 0 ? 2.0 : 0.0))),
            };
            if (parsed.GetValue(measured2) is not null || parsed.GetValue(outputNeuron2) is not null)
            {
                if (parsed.GetValue(measured2) is not byte second || parsed.GetValue(outputNeuron2) is not byte secondOut)
                {
                    throw new UserError("--measured-neuron2 and --output-neuron2 go together: a second channel needs both");
                }

                config.Channels = 2;
                config.MeasuredNeuron2 = second;
                config.OutputNeuron2 = secondOut;
            }

            if (profile is not null && config.ChannelCount > profile.Channels)
            {
                throw new UserError($"a second channel was asked for; board profile {profile.Id} wires one ADC/DAC pair");
            }

            using BoardClient client = Connect(parsed, port, baud);
            Greet(client);
            if (profile is not null && frontEnd is not null)
            {
                BoardReply calibrated = client.Calibrate(CalibrationFactory.From(profile, frontEnd, config.Mode));
                if (!calibrated.Ok)
                {
                    throw new UserError($"the board refused the calibration: {calibrated}");
                }

                context.Out.WriteLine($"calibrated for {frontEnd.Name}");
            }

            BoardReply reply = client.Start(config);
            if (!reply.Ok)
            {
                throw new UserError($"the board refused to start: {reply}");
            }

            context.Out.WriteLine($"running: {parsed.GetValue(mode)} mode, {1e6 / config.PeriodUs:0} Hz, current within ±{limitNa} nA" +
                (config.ChannelCount == 2 ? ", two channels" : "") +
                (config.HostTimeoutTenths > 0 ? $"; the board stops the loop if it hears nothing from the host for {config.HostTimeoutTenths / 10.0:0.0} s"
                    : "; standalone: the loop keeps running without the host (stop it with rmm run or a reset)"));
            double duration = parsed.GetValue(seconds);
            if (duration <= 0)
            {
                return Cli.Ok;
            }

            LoopStatus last = Monitor(context, client, duration, parsed.GetValue(output));
            if (last.State == LoopStatus.StateRunning)
            {
                client.Stop();
                last = client.Status();
            }

            context.Out.WriteLine($"stopped ({StopReason.Name(last.Reason)}): {last.Step:N0} steps, {last.Overruns} overruns, longest cycle {last.MaxCycleUs} µs");
            uint[] jitter = client.Jitter();
            context.Out.WriteLine("loop-start lateness: " + string.Join(", ", jitter.Select((count, bin) => (count, bin)).Where(x => x.count > 0)
                .Select(x => $"{(x.bin == 0 ? "<1" : x.bin == WireFormat.JitterBins - 1 ? $">={1 << (x.bin - 1)}" : $"{1 << (x.bin - 1)}-{(1 << x.bin) - 1}")} µs: {x.count:N0}")));
            return last.Reason is StopReason.Requested or StopReason.None ? Cli.Ok : Cli.Failure;
        });
        return command;
    }

    public static Command MonitorCommand(CommandContext context)
    {
        var port = PortOption();
        var baud = BaudOption();
        var seconds = CommandContext.Within(new Option<double>("--seconds") { Description = "How long to listen", DefaultValueFactory = _ => 10 }, 0, 1e7, "s");
        var output = CommandContext.OutputOption("Also write the telemetry to this CSV file", required: false);
        var command = new Command("monitor", "Show the board's live telemetry (V, I, cycle time, overruns) and save it.\nExample: rmm monitor --port /dev/ttyUSB0 --seconds 30 --out live.csv");
        foreach (Option o in new Option[] { port, baud, seconds, output }) { command.Options.Add(o); }
        command.SetAction(parsed =>
        {
            using BoardClient client = Connect(parsed, port, baud);
            LoopStatus last = Monitor(context, client, parsed.GetValue(seconds), parsed.GetValue(output));
            context.Out.WriteLine($"{StopReason.Name(last.Reason)}; state {last.State}, {last.Step:N0} steps, {last.Overruns} overruns");
            return Cli.Ok;
        });
        return command;
    }

    /// <summary>
    /// Prints a line per second and writes every telemetry frame to CSV; asks for the status every
    /// half second, which also tells a supervised board that the host is there; returns the last status.
    /// </summary>
    private static LoopStatus Monitor(CommandContext context, BoardClient client, double seconds, string? csvPath)
    {
        using AtomicFile? file = csvPath is null ? null : new AtomicFile(csvPath);
        using StreamWriter? csv = file is null ? null : new StreamWriter(file.Stream);
        csv?.WriteLine("step,V_mV,I_nA,cycle_us,max_cycle_us,overruns,state,reason");
        var end = DateTime.UtcNow.AddSeconds(seconds);
        var nextLine = DateTime.UtcNow;
        var nextPing = DateTime.UtcNow.AddSeconds(0.5);
        LoopStatus last = client.Status();
        while (DateTime.UtcNow < end)
        {
            while (client.Telemetry.TryDequeue(out LoopStatus? s))
            {
                last = s;
                csv?.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{s.Step},{s.Voltage / 65536.0:0.###},{s.Current / 65536.0:0.####},{s.CycleUs},{s.MaxCycleUs},{s.Overruns},{s.State},{s.Reason}"));
            }

            if (DateTime.UtcNow >= nextLine)
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {last.Step,9:N0}  in {last.Voltage / 65536.0,8:0.00}  out {last.Current / 65536.0,8:0.000}  cycle {last.CycleUs,4} µs (max {last.MaxCycleUs})  overruns {last.Overruns}"));
                nextLine = nextLine.AddSeconds(1);
            }

            if (DateTime.UtcNow >= nextPing)
            {
                LoopStatus polled = client.Status();
                nextPing = DateTime.UtcNow.AddSeconds(0.5);
                if (polled.State != LoopStatus.StateRunning)
                {
                    last = polled;
                }
            }

            if (last.State == LoopStatus.StateStopped)
            {
                break;
            }

            Thread.Sleep(20);
        }

        csv?.Close();
        file?.Commit();
        return last;
    }
}
