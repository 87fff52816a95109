using System.CommandLine;
using System.Text.Json;
using RmmEdge.Rig;
using RmmEdge.SharedModel.Format;
using RmmEdge.Trainer.Compile;

namespace RmmEdge.Cli;

/// <summary>`rmm budget MODEL.rmmq`: instructions per step of the C kernel on emulated Cortex-M4/M7 and RISC-V and the loop rates they allow.</summary>
internal static class BudgetCommand
{
    public static Command Build(CommandContext context)
    {
        var file = new Argument<string>("model") { Description = "Compiled model (.rmmq)" };
        var json = CommandContext.JsonOption();
        var command = new Command("budget", "Measure the C kernel's cost per step on QEMU's Cortex-M4, Cortex-M7 and RISC-V rv32imc (ESP32-C3)\n" +
            $"(needs {CycleBudget.Packages}).\n" +
            "Example: rmm budget stg.rmmq");
        command.Arguments.Add(file);
        command.Options.Add(json);
        command.SetAction(parsed =>
        {
            string path = parsed.GetValue(file)!;
            (byte[] bytes, RmmqModel loaded) = FixedPointRun.ReadFile(path);

            string native = NativeSources.Find() ?? throw new UserError("the C kernel sources (firmware/native) were not found above this program or the working directory");
            double rateKhz = 1e6 / loaded.DtNs;
            BudgetResult[] results = CycleBudget.MeasureAll(bytes, native);
            if (parsed.GetValue(json))
            {
                context.Out.WriteLine(JsonSerializer.Serialize(results.Select(r => new
                {
                    Core = r.Core.Name, Machine = r.Core.QemuMachine, r.InstructionsPerStep, r.Core.ClockMhz, r.Core.CyclesPerInstruction,
                    r.CyclesPerStep, r.MaxRateKhz, ModelRateKhz = rateKhz, LoadAtModelRate = r.Load(rateKhz),
                }), new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
                return Cli.Ok;
            }

            Tables.Print(context, ["core", "instructions/step", "cycles/instruction (assumed)", "cycles/step", "max rate (kHz)", $"load at {rateKhz:0.###} kHz"],
                results.Select(r => (IReadOnlyList<string>)
                [
                    $"{r.Core.Name} at {r.Core.ClockMhz:0} MHz ({r.Core.QemuMachine})", $"{r.InstructionsPerStep:0}", $"{r.Core.CyclesPerInstruction:0.0}",
                    $"{r.CyclesPerStep:0}", $"{r.MaxRateKhz:0.0}", $"{r.Load(rateKhz):P0}",
                ]));

            return Cli.Ok;
        });
        return command;
    }
}
