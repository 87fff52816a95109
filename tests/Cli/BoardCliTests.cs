using RmmCli = RmmEdge.Cli.Cli;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.SharedModel.Protocol;
using RmmEdge.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Cli.Tests;

/// <summary>`rmm flash/run/monitor` against the firmware on an emulated board, and the board profiles.</summary>
[Collection(RealTimeEngines.Name)]
public sealed class BoardCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly EmulatedBoard _board = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-board-").FullName;

    public void Dispose()
    {
        _board.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(args, stdout, stderr);
        output.WriteLine($"$ rmm {string.Join(' ', args)} -> {code}\n{stdout}{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void FlashRunAndMonitorAnEmulatedBoard()
    {
        string model = Path.Combine(_dir, "m.rmmq");
        File.WriteAllBytes(model, TestNetworks.SmallCompiledModel(1));
        (int code, string text, _) = Run("flash", model, "--port", _board.Pty.DevicePath, "--board", "stm32f769i-discovery");
        Assert.Equal(0, code);
        Assert.Contains("verified and active", text);

        string csv = Path.Combine(_dir, "run.csv");
        (code, text, _) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "emulator", "--seconds", "2", "--out", csv);   // 2 s: a loaded machine may step slowly
        Assert.Equal(0, code);
        Assert.Contains("stopped (stopped by the host)", text);
        string[] rows = File.ReadAllLines(csv);
        Assert.Equal("step,V_mV,I_nA,cycle_us,max_cycle_us,overruns,state,reason", rows[0]);
        Assert.True(rows.Length > 20, $"{rows.Length - 1} telemetry rows in 2 s");
        Assert.True(_board.Output.Safe);

        (code, text, _) = Run("monitor", "--port", _board.Pty.DevicePath, "--seconds", "0.3");
        Assert.Equal(0, code);
        Assert.Contains("stopped by the host", text);
    }

    /// <summary>
    /// A model that needs format version 2 (a bank driven by spike activity) is verified and stored by
    /// the board, and runs the same, value for value, on the managed engine (the C# StepKernel) and the
    /// native engine (the C kernel) of the emulated board.
    /// </summary>
    [Fact]
    public void AFormatTwoModelIsFlashedAndBothEnginesRunItIdentically()
    {
        // At 1 kHz: the interpreted (managed) engine of the emulated board cannot step this model at 10 kHz.
        var network = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.SingleNeuronWithActivity(1.0, hidden: [6]), seed: 3);
        TestNetworks.FitFixedRanges(network);

        string model = Path.Combine(_dir, "activity.rmmq");
        byte[] file = RmmEdge.Trainer.Compile.Quantizer.Compile(network, 16, out _);
        Assert.Equal(2, BitConverter.ToUInt16(file, RmmEdge.SharedModel.Format.RmmqLayout.OffsetVersion));
        File.WriteAllBytes(model, file);
        (int code, string text, _) = Run("flash", model, "--port", _board.Pty.DevicePath, "--board", "stm32f769i-discovery");
        Assert.Equal(0, code);
        Assert.Contains("verified and active", text);

        var records = new List<string[]>();
        foreach (string engine in new[] { "managed", "native" })
        {
            string csv = Path.Combine(_dir, $"activity-{engine}.csv");
            (code, text, _) = Run("emulate", model, "--mode", "emulator", "--engine", engine, "--seconds", "0.5", "--out", csv);
            Assert.Equal(0, code);
            Assert.Contains(" steps, 0 overruns", text);
            // The model's voltage as written to the DAC, from the first step (before it, the safe output is held).
            string[] output = File.ReadAllLines(csv).Skip(1).Select(line => line.Split(',')[2]).ToArray();
            records.Add(output.SkipWhile(v => v == output[0]).ToArray());
        }

        // The engines start the loop a step or two apart in virtual time, so the records differ in length only.
        int common = Math.Min(records[0].Length, records[1].Length);
        Assert.True(common >= 490, $"{common} steps in 0.5 s at 1 kHz");
        Assert.Equal(records[0][..common], records[1][..common]);
    }

    [Fact]
    public void TheHostRefusesAModelTheBoardCannotHoldAndSaysWhy()
    {
        string fast = Path.Combine(_dir, "fast.rmmq");
        File.WriteAllBytes(fast, TestNetworks.SmallCompiledModel(1, dtMs: 0.025));   // 40 kHz
        (int code, _, string error) = Run("flash", fast, "--port", _board.Pty.DevicePath, "--board", "esp32-devkitc");
        Assert.Equal(1, code);
        Assert.Contains("40000 Hz", error);
        Assert.Contains("20000 Hz with the native engine", error);
        (code, _, error) = Run("flash", fast, "--port", _board.Pty.DevicePath);   // no profile: the board's own Hello says no
        Assert.Equal(1, code);
        Assert.Contains("reports at most 20000 Hz", error);
        Assert.Null(_board.Store.ActiveModel);
        (code, _, error) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "emulator", "--seconds", "0.2");
        Assert.Equal(1, code);
        Assert.Contains("no valid model on the board", error);
        (code, _, error) = Run("flash", fast, "--port", "/dev/does-not-exist");
        Assert.Equal(1, code);
        Assert.Contains("/dev/does-not-exist", error);
    }

    [Fact]
    public void EmulateRunsAModelOnAVirtualBoardAndWritesTheRecord()
    {
        string single = Path.Combine(_dir, "single.rmmq");
        File.WriteAllBytes(single, TestNetworks.SmallCompiledModel(1));
        string csv = Path.Combine(_dir, "emulated.csv");
        (int code, string text, _) = Run("emulate", single, "--mode", "emulator", "--engine", "native", "--seconds", "1", "--out", csv);
        Assert.Equal(0, code);
        Assert.Contains("10,000 steps, 0 overruns", text);
        Assert.Equal(10_001, File.ReadAllLines(csv).Length);

        string hybrid = Path.Combine(_dir, "hybrid.rmmq");
        var network = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.Pair(0.1, hidden: [4], externalSecond: true), seed: 2);
        TestNetworks.FitFixedRanges(network);

        File.WriteAllBytes(hybrid, RmmEdge.Trainer.Compile.Quantizer.Compile(network, 16, out _));
        (code, text, _) = Run("emulate", hybrid, "--mode", "hybrid", "--seconds", "1", "--electrode-loss-at", "0.5");
        Assert.Equal(1, code);
        Assert.Contains("electrode loss", text);
        (code, _, string error) = Run("emulate", single, "--mode", "clamp", "--seconds", "0.1");
        Assert.Equal(1, code);
        Assert.Contains("needs a model with a measured (external) neuron", error);
    }

    [Fact]
    public void TwoCellsRunOnTwoChannelsAndABoardWithOneIsRefused()
    {
        var pair = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.ClampedPair(0.1), seed: 3);
        TestNetworks.FitFixedRanges(pair);

        string model = Path.Combine(_dir, "pair.rmmq");
        File.WriteAllBytes(model, RmmEdge.Trainer.Compile.Quantizer.Compile(pair, 16, out _));
        string csv = Path.Combine(_dir, "two.csv");
        (int code, string text, string error) = Run("emulate", model, "--board", "esp32-devkitc", "--engine", "native", "--mode", "clamp", "--seconds", "0.5", "--out", csv);
        Assert.Equal(0, code);
        Assert.Contains("two cells", text);
        string[] rows = File.ReadAllLines(csv);
        Assert.Equal("t_ms,input,output,dac_code,input2,output2,dac_code2", rows[0]);
        Assert.Equal(7, rows[^1].Split(',').Length);

        (code, _, error) = Run("emulate", model, "--board", "stm32f769i-discovery", "--mode", "clamp", "--seconds", "0.1");
        Assert.Equal(1, code);
        Assert.Contains("wires 1", error);

        Assert.Equal(0, Run("flash", model, "--port", _board.Pty.DevicePath).Code);
        (code, _, error) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "clamp", "--measured-neuron", "0", "--output-neuron", "0", "--measured-neuron2", "1");
        Assert.Equal(1, code);
        Assert.Contains("go together", error);
        (code, _, error) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "clamp", "--board", "stm32f769i-discovery",
            "--measured-neuron", "0", "--output-neuron", "0", "--measured-neuron2", "1", "--output-neuron2", "1");
        Assert.Equal(1, code);
        Assert.Contains("wires one ADC/DAC pair", error);
        (code, _, error) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "clamp",
            "--measured-neuron", "0", "--output-neuron", "0", "--measured-neuron2", "1", "--output-neuron2", "1", "--seconds", "0.2");
        Assert.Equal(1, code);   // the test board's engine wires one channel and says so
        Assert.Contains("wires 1 converter channel(s)", error);
    }

    [Fact]
    public void TheFrontEndPresetBecomesAConverterCalibration()
    {
        BoardProfile esp32 = BoardProfile.Load("esp32-devkitc");
        Calibration clamp = CalibrationFactory.From(esp32, esp32.FrontEndPresets[0], RunConfiguration.ModeDynamicClamp);
        // 1.3 V at the ADC pin is 0 mV (the level shift); 100 mV per pin volt; 4095 codes over 3.1 V.
        int codeAtRest = (int)Math.Round(1.3 / 3.1 * 4095);
        Assert.InRange(clamp.ToInput(codeAtRest) / 65536.0, -0.1, 0.1);
        Assert.InRange(clamp.ToInput(codeAtRest + 1321) / 65536.0, 99.9, 100.1);   // +1 V at the pin = +100 mV
        // Zero current is 1.65 V at the DAC pin: code 127 of 255; ±1.6 nA reaches the rails, beyond clips.
        Assert.Equal(127, clamp.ToCode(0));
        Assert.Equal(255, clamp.ToCode(3 << 16));
        Assert.Equal(0, clamp.ToCode(-(3 << 16)));
        output.WriteLine($"esp32 preset 0: input gain {clamp.InputGain}, offset {clamp.InputOffset / 65536.0:0.00} mV; output gain {clamp.OutputGain}, zero-current code {clamp.ToCode(0)}");

        string model = Path.Combine(_dir, "m.rmmq");
        File.WriteAllBytes(model, TestNetworks.SmallCompiledModel(1));
        Assert.Equal(0, Run("flash", model, "--port", _board.Pty.DevicePath).Code);
        (int code, string text, _) = Run("run", "--port", _board.Pty.DevicePath, "--mode", "emulator", "--board", "esp32-devkitc", "--seconds", "0.2");
        Assert.Equal(0, code);
        Assert.Contains("calibrated for Axoclamp", text);
        Assert.Equal(2, Run("run", "--port", _board.Pty.DevicePath, "--mode", "sideways").Code);
    }

    [Theory]
    [InlineData("esp32-devkitc", 8, true)]
    [InlineData("esp32-devkitc-spi-dac", 12, false)]
    [InlineData("esp32-c3-devkitm-spi-dac", 12, false)]
    [InlineData("stm32f769i-discovery", 12, false)]
    [InlineData("stm32f429i-discovery", 12, false)]
    public void EveryBoardProfileValidatesAgainstTheSchema(string id, int dacBits, bool wraps)
    {
        BoardProfile profile = BoardProfile.Load(id);
        Assert.Equal(id, profile.Id);
        Assert.Equal(dacBits, profile.Dac.Bits);
        Assert.Equal(wraps, profile.Dac.WrapsAround);
        Assert.NotEmpty(profile.FrontEndPresets);
        Assert.NotNull(profile.EngineFor(0.1, out _));   // every board holds a 10 kHz model with some engine
    }

    [Fact]
    public void ABrokenProfileIsRefusedWithEveryProblemNamed()
    {
        string folder = BoardProfile.BoardsFolder()!;
        string text = File.ReadAllText(Path.Combine(folder, "esp32-devkitc.json"))
            .Replace("\"bits\": 8", "\"bits\": 30")
            .Replace("\"clockMhz\": 240,", "\"clockMhz\": 240, \"colour\": \"blue\",")
            .Replace("\"baud\": 921600", "\"baud\": \"fast\"");
        string broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, text);
        File.Copy(Path.Combine(folder, "board-profile.schema.json"), Path.Combine(_dir, "board-profile.schema.json"));
        var error = Assert.Throws<UserError>(() => BoardProfile.Load(broken));
        output.WriteLine(error.Message);
        Assert.Contains("$.dac.bits: 30 is above the maximum 20", error.Message);
        Assert.Contains("unknown field \"colour\"", error.Message);
        Assert.Contains("$.serial.baud: expected integer", error.Message);
        Assert.Contains("no such board profile", Assert.Throws<UserError>(() => BoardProfile.Load("nonexistent-board")).Message);
    }
}
