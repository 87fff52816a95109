using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RmmEdge.Trainer.Compile;

/// <summary>An emulated Cortex-M core the budget is measured on, and the clock and CPI we convert with.</summary>
/// <param name="Name">"Cortex-M4" / "Cortex-M7".</param>
/// <param name="QemuMachine">QEMU machine (mps2-an386: Cortex-M4; mps2-an500: Cortex-M7).</param>
/// <param name="CompilerFlags">arm-none-eabi-gcc core flags.</param>
/// <param name="ClockMhz">Clock of the board the rate is quoted for.</param>
/// <param name="CyclesPerInstruction">
/// Assumed average cycles per instruction on that board: QEMU counts instructions, not cycles. 1.3 for a
/// Cortex-M4 running from flash behind the STM32 ART accelerator (0-wait hits, branch refills, 64-bit
/// multiply-accumulates of 1–2 cycles); 1.0 for the dual-issue Cortex-M7 with caches.
/// </param>
public sealed record CortexCore(string Name, string QemuMachine, string CompilerFlags, double ClockMhz, double CyclesPerInstruction)
{
    public static CortexCore M4At168 { get; } = new("Cortex-M4", "mps2-an386", "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16", 168, 1.3);

    public static CortexCore M7At216 { get; } = new("Cortex-M7", "mps2-an500", "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16", 216, 1.0);
}

/// <summary>One measurement: instructions per step, and what they mean at the core's clock.</summary>
public sealed record BudgetResult(CortexCore Core, double InstructionsPerStep, int Steps)
{
    public double CyclesPerStep => InstructionsPerStep * Core.CyclesPerInstruction;

    /// <summary>Highest loop rate if the step had the whole core (kHz).</summary>
    public double MaxRateKhz => Core.ClockMhz * 1e3 / CyclesPerStep;

    /// <summary>Fraction of the cycle budget one step uses at <paramref name="rateKhz"/>.</summary>
    public double Load(double rateKhz) => CyclesPerStep / (Core.ClockMhz * 1e3 / rateKhz);

    public override string ToString() =>
        $"{Core.Name} ({Core.QemuMachine}): {InstructionsPerStep:0} instructions/step (mean of {Steps}); at {Core.ClockMhz:0} MHz " +
        $"with {Core.CyclesPerInstruction:0.0} cycles/instruction: {CyclesPerStep:0} cycles, max {MaxRateKhz:0.0} kHz, {Load(10):P0} of the 10 kHz budget";
}

/// <summary>
/// `rmm budget`: the cost per step of the C kernel on Cortex-M, measured by running the cross-compiled
/// kernel (arm-none-eabi-gcc -O2) on QEMU's emulated MPS2 boards with -icount: virtual time then
/// advances one fixed quantum per executed instruction, SysTick measures the steps, and a calibration
/// loop of known length in the same run turns ticks into instructions. Needs arm-none-eabi-gcc
/// (with its libgcc; no C library) and qemu-system-arm (Debian: gcc-arm-none-eabi, qemu-system-arm).
/// </summary>
public static class CycleBudget
{
    public static bool ToolsAvailable(out string missing)
    {
        var absent = new List<string>();
        foreach (string tool in new[] { "arm-none-eabi-gcc", "qemu-system-arm" })
        {
            if (!OnPath(tool)) { absent.Add(tool); }
        }

        missing = string.Join(", ", absent);
        return absent.Count == 0;
    }

    public static BudgetResult Measure(byte[] model, CortexCore core, string nativeSourceDir)
    {
        Dictionary<string, long> values = RunOnCore(model, core, nativeSourceDir, goldenInputs: null);
        double instructionsPerTick = (double)values["calibration_instructions"] / values["calibration_ticks"];
        int steps = (int)values["steps"];
        return new BudgetResult(core, values["step_ticks"] * instructionsPerTick / steps, steps);
    }

    /// <summary>
    /// Runs a golden set's inputs through the kernel compiled for <paramref name="core"/> (with its
    /// DSP path) and returns the CRC-32 of all outputs, laid out as expected.bin.
    /// </summary>
    public static uint GoldenCrc(byte[] model, int[] inputs, CortexCore core, string nativeSourceDir) =>
        (uint)RunOnCore(model, core, nativeSourceDir, inputs)["golden_crc"];

    private static Dictionary<string, long> RunOnCore(byte[] model, CortexCore core, string nativeSourceDir, int[]? goldenInputs)
    {
        if (!ToolsAvailable(out string missing))
        {
            throw new UserError($"rmm budget needs {missing} (Debian: apt-get install gcc-arm-none-eabi qemu-system-arm)");
        }

        string dir = Directory.CreateTempSubdirectory("rmm-budget-").FullName;
        try
        {
            string data = Path.Combine(dir, "model_data.c");
            var text = new StringBuilder("#include <stdint.h>\nconst uint8_t rmm_model_data[] __attribute__((aligned(4))) = {");
            text.AppendJoin(',', model).Append("};\nconst uint32_t rmm_model_size = ").Append(model.Length).Append(";\n");
            if (goldenInputs is not null)
            {
                text.Append("const int32_t rmm_golden_inputs[] = {").AppendJoin(',', goldenInputs).Append("};\n");
            }

            File.WriteAllText(data, text.ToString());
            string budget = Path.Combine(nativeSourceDir, "budget");
            string elf = Path.Combine(dir, "budget.elf");
            string golden = goldenInputs is null ? "" : "-DRMM_GOLDEN ";
            // Freestanding and without any C library header (-nostdinc; only the compiler's own
            // stdint.h, stddef.h, arm_acle.h): the kernel must build where no libc is installed.
            string compilerHeaders = Run("arm-none-eabi-gcc", "-print-file-name=include", TimeSpan.FromSeconds(30)).Trim();
            Run("arm-none-eabi-gcc", $"{core.CompilerFlags} {golden}-O2 -std=c99 -ffreestanding -nostdlib -nostdinc -isystem {compilerHeaders} -Wall -Wextra -I{nativeSourceDir} " +
                $"-T {Path.Combine(budget, "mps2.ld")} -o {elf} {Path.Combine(budget, "startup.c")} {Path.Combine(budget, "budget_main.c")} " +
                $"{Path.Combine(nativeSourceDir, "rmm_load.c")} {Path.Combine(nativeSourceDir, "rmm_step.c")} {data} -lgcc", TimeSpan.FromMinutes(2));
            string output = Run("qemu-system-arm", $"-M {core.QemuMachine} -nographic -semihosting -icount shift=0 -kernel {elf}", TimeSpan.FromMinutes(2));
            var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Trim().Split(' '))
                .Where(p => p.Length == 2 && long.TryParse(p[1], out _))
                .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
            string expectedKey = goldenInputs is null ? "step_ticks" : "golden_crc";
            if (!values.ContainsKey(expectedKey))
            {
                throw new InvalidOperationException($"the budget program did not report {expectedKey}; it printed:\n{output}");
            }

            return values;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string tool, string arguments, TimeSpan limit)
    {
        var info = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {tool}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{tool} did not finish within {limit.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {arguments} failed (exit {process.ExitCode}):\n{stderr.Result}{stdout.Result}");
        }

        return stdout.Result + stderr.Result;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(d => File.Exists(Path.Combine(d, tool)));
}
