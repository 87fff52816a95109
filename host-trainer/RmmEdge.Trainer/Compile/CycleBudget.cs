using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using RmmEdge.Rig;

namespace RmmEdge.Trainer.Compile;

/// <summary>
/// An emulated core the budget is measured on: how to build the budget program for it, how QEMU runs it,
/// and the clock and cycles per instruction (CPI) we convert with. QEMU counts instructions, not cycles,
/// so the CPI is an assumption, stated with its basis in <see cref="CpiBasis"/>.
/// </summary>
/// <param name="Name">"Cortex-M4" / "Cortex-M7" / "RISC-V rv32imc"; a board profile's core starting with it is measured by it.</param>
/// <param name="Compiler">The gcc that builds the budget program.</param>
/// <param name="CompilerFlags">That gcc's core flags.</param>
/// <param name="PlatformSources">The budget/ files that give budget_main.c its platform (budget_platform.h), start-up included.</param>
/// <param name="LinkerScript">The budget/ linker script for the emulated machine's memory map.</param>
/// <param name="Qemu">The QEMU system emulator.</param>
/// <param name="QemuMachine">Its -M machine.</param>
/// <param name="QemuOptions">Its other options, before -kernel.</param>
/// <param name="ClockMhz">Clock of the board the rate is quoted for.</param>
/// <param name="CyclesPerInstruction">Assumed average cycles per instruction on that board.</param>
/// <param name="CpiBasis">Why that CPI.</param>
public sealed record EmulatedCore(
    string Name, string Compiler, string CompilerFlags, string[] PlatformSources, string LinkerScript,
    string Qemu, string QemuMachine, string QemuOptions, double ClockMhz, double CyclesPerInstruction, string CpiBasis)
{
    private static readonly string[] CortexM = ["cortex_m_platform.c", "cortex_m_startup.c"];

    public static EmulatedCore M4At168 { get; } = new("Cortex-M4", "arm-none-eabi-gcc", "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16",
        CortexM, "cortex_m_mps2.ld", "qemu-system-arm", "mps2-an386", "-semihosting", 168, 1.3,
        "a Cortex-M4 running from flash behind the STM32 ART accelerator: 0-wait hits, branch refills, 64-bit multiply-accumulates of 1-2 cycles");

    public static EmulatedCore M7At216 { get; } = new("Cortex-M7", "arm-none-eabi-gcc", "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16",
        CortexM, "cortex_m_mps2.ld", "qemu-system-arm", "mps2-an500", "-semihosting", 216, 1.0,
        "the dual-issue Cortex-M7 with caches");

    /// <summary>
    /// The ESP32-C3's core: rv32imc at 160 MHz. QEMU's riscv32 virt machine runs the same rv32imc
    /// instructions (the CPU model is restricted to I, M, C and the CSRs, so a stray A/F/D instruction
    /// faults), counted through minstret under -icount.
    /// </summary>
    public static EmulatedCore RiscVAt160 { get; } = new("RISC-V rv32imc", "riscv64-unknown-elf-gcc", "-march=rv32imc -mabi=ilp32 -mcmodel=medany -Wl,--no-warn-rwx-segments",
        ["riscv_platform.c"], "riscv_virt.ld", "qemu-system-riscv32", "virt", "-bios none -cpu rv32,a=off,f=off,d=off", 160, 1.4,
        "an estimate, not measured on silicon: the ESP32-C3's in-order 4-stage pipeline (Espressif ESP32-C3 TRM, ESP-RISC-V CPU) " +
        "with the loop in IRAM (no flash-cache misses), one instruction per cycle except taken branches (about 2 extra cycles once per " +
        "7-instruction multiply-accumulate loop body) and load-use stalls; replace with the C3's own counters (CSR 0x7E0-0x7E2) read on a board");

    /// <summary>Every core the budget is measured on, in the order tables print them.</summary>
    public static IReadOnlyList<EmulatedCore> All { get; } = [M4At168, M7At216, RiscVAt160];

    /// <summary>Whether this core stands for a board profile's core ("Cortex-M4F" is measured as "Cortex-M4").</summary>
    public bool Measures(string boardCore) => boardCore.StartsWith(Name, StringComparison.OrdinalIgnoreCase);

    /// <summary>The core that stands for <paramref name="boardCore"/>, or null when none here does (Xtensa).</summary>
    public static EmulatedCore? For(string boardCore) => All.FirstOrDefault(c => c.Measures(boardCore));
}

/// <summary>One measurement: instructions per step, and what they mean at the core's clock.</summary>
public sealed record BudgetResult(EmulatedCore Core, double InstructionsPerStep, int Steps)
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
/// `rmm budget`: the cost per step of the C kernel on each <see cref="EmulatedCore"/>, measured by running
/// the cross-compiled kernel (gcc -O2) on QEMU with -icount: virtual time then advances one fixed quantum
/// per executed instruction, the platform's counter measures the steps, and a calibration loop of known
/// length in the same run turns ticks into instructions. Needs the cores' gcc (with its libgcc; no C
/// library) and QEMU (Debian: gcc-arm-none-eabi, qemu-system-arm, gcc-riscv64-unknown-elf, qemu-system-misc).
/// </summary>
public static class CycleBudget
{
    /// <summary>The Debian packages that hold the tools, for messages.</summary>
    public const string Packages = "gcc-arm-none-eabi qemu-system-arm gcc-riscv64-unknown-elf qemu-system-misc";

    /// <summary>Whether every core's compiler and emulator are on the PATH.</summary>
    public static bool ToolsAvailable(out string missing)
    {
        string[] absent = EmulatedCore.All.SelectMany(c => new[] { c.Compiler, c.Qemu }).Distinct().Where(t => !OnPath(t)).ToArray();
        missing = string.Join(", ", absent);
        return absent.Length == 0;
    }

    /// <summary>The model's cost on every core, in <see cref="EmulatedCore.All"/>'s order.</summary>
    public static BudgetResult[] MeasureAll(byte[] model, string nativeSourceDir)
    {
        // Each core is its own gcc and QEMU process with -icount (deterministic), so they run side by side;
        // GetResult rethrows a failure as it was thrown (a missing tool stays one line for the user).
        Task<BudgetResult>[] runs = EmulatedCore.All.Select(core => Task.Run(() => Measure(model, core, nativeSourceDir))).ToArray();
        return runs.Select(run => run.GetAwaiter().GetResult()).ToArray();
    }

    public static BudgetResult Measure(byte[] model, EmulatedCore core, string nativeSourceDir)
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
    public static uint GoldenCrc(byte[] model, int[] inputs, EmulatedCore core, string nativeSourceDir) =>
        (uint)RunOnCore(model, core, nativeSourceDir, inputs)["golden_crc"];

    private static Dictionary<string, long> RunOnCore(byte[] model, EmulatedCore core, string nativeSourceDir, int[]? goldenInputs)
    {
        if (!ToolsAvailable(out string missing))
        {
            throw new UserError($"rmm budget needs {missing} (Debian: apt-get install {Packages})");
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
            string elf = Path.Combine(dir, "budget.elf");
            string[] objects = KernelObjects(core, nativeSourceDir, golden: goldenInputs is not null);
            Run(core.Compiler, $"{CompileFlags(core, nativeSourceDir, goldenInputs is not null)} -T {Path.Combine(nativeSourceDir, "budget", core.LinkerScript)} " +
                $"-o {elf} {string.Join(' ', objects)} {data} -lgcc", TimeSpan.FromMinutes(2));
            string output = Run(core.Qemu, $"-M {core.QemuMachine} {core.QemuOptions} -nographic -icount shift=0 -kernel {elf}", TimeSpan.FromMinutes(2));
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

    /// <summary>
    /// The budget program's object files for <paramref name="core"/>: the kernel (rmm_load.c, rmm_step.c) and
    /// budget/'s platform, start-up and main, compiled once per process (gcc -c, about 0.5 s) so that each
    /// model measured only compiles its data and links (about 0.1 s). Each file is its own translation unit
    /// either way, so the program is the one a single gcc line would build.
    /// </summary>
    private static string[] KernelObjects(EmulatedCore core, string nativeSourceDir, bool golden) =>
        CompiledKernels.GetOrAdd((core, Path.GetFullPath(nativeSourceDir), golden), key => new Lazy<string[]>(() =>
        {
            string dir = Path.Combine(ObjectRoot.Value, $"{Interlocked.Increment(ref compiledKernelCount)}-{core.QemuMachine}{(golden ? "-golden" : "")}");
            Directory.CreateDirectory(dir);
            string budget = Path.Combine(key.Sources, "budget");
            string[] sources = core.PlatformSources.Append("freestanding.c").Append("budget_main.c").Select(f => Path.Combine(budget, f))
                .Append(Path.Combine(key.Sources, "rmm_load.c")).Append(Path.Combine(key.Sources, "rmm_step.c")).ToArray();
            return sources.AsParallel().AsOrdered().Select(source =>
            {
                string obj = Path.Combine(dir, Path.GetFileNameWithoutExtension(source) + ".o");
                Run(core.Compiler, $"{CompileFlags(core, key.Sources, golden)} -c -o {obj} {source}", TimeSpan.FromMinutes(2));
                return obj;
            }).ToArray();
        })).Value;

    /// <summary>
    /// Freestanding and without any C library header (-nostdinc; only the compiler's own stdint.h, stddef.h,
    /// arm_acle.h): the kernel must build where no libc is installed.
    /// </summary>
    private static string CompileFlags(EmulatedCore core, string nativeSourceDir, bool golden)
    {
        string compilerHeaders = CompilerHeaders.GetOrAdd(core, c => Run(c.Compiler, $"{c.CompilerFlags} -print-file-name=include", TimeSpan.FromSeconds(30)).Trim());
        return $"{core.CompilerFlags} {(golden ? "-DRMM_GOLDEN " : "")}-O2 -std=c99 -ffreestanding -nostdlib -nostdinc -isystem {compilerHeaders} -Wall -Wextra " +
            $"-I{nativeSourceDir} -I{Path.Combine(nativeSourceDir, "budget")}";
    }

    private static readonly ConcurrentDictionary<(EmulatedCore Core, string Sources, bool Golden), Lazy<string[]>> CompiledKernels = new();
    private static readonly ConcurrentDictionary<EmulatedCore, string> CompilerHeaders = new();
    private static int compiledKernelCount;

    /// <summary>Where the compiled kernels live; removed when the process exits.</summary>
    private static readonly Lazy<string> ObjectRoot = new(() =>
    {
        string root = Directory.CreateTempSubdirectory("rmm-budget-objects-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

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
