using RmmCli = RmmEdge.Cli.Cli;
using RmmEdge.TestSupport;
using RmmEdge.Trainer.Compile;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.Cli.Tests;

/// <summary>The rmm command line, run in-process: exit codes 0/1/2 and one clear line per error.</summary>
public sealed class CliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(args, stdout, stderr);
        output.WriteLine($"$ rmm {string.Join(' ', args)}  -> {code}\n{stdout}{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    [Theory]
    [InlineData("inspect", "missing.csv")]
    [InlineData("train", "missing.csv", "--out", "m.rmm.json")]
    [InlineData("eval", "missing.rmm.json", "missing.csv")]
    [InlineData("compile", "missing.rmm.json", "--out", "m.rmmq")]
    [InlineData("budget", "missing.rmmq")]
    public void AMissingFileIsOneLineAndExitCodeOne(params string[] args)
    {
        (int code, string _, string error) = Run(args.Select(a => a.Contains('.') ? PathOf(a) : a).ToArray());
        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("missing", error);
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("inspect", "a.csv", "--frobnicate")]
    [InlineData("simulate", "--seconds", "ten", "--out", "x.csv")]
    [InlineData("protocol", "--range-na", "1:0", "--out", "x.csv")]
    [InlineData("protocol", "--quiet", "1.5", "--out", "x.csv")]
    [InlineData("compile", "m.rmm.json", "--out", "m.rmmq", "--bits", "12")]
    [InlineData("train", "a.csv")]
    [InlineData("train", "a.csv", "--out", "m.rmm.json", "--fires-at", "0.1,lots")]
    [InlineData("train", "a.csv", "--out", "m.rmm.json", "--polish", "-1")]
    [InlineData("eval", "m.rmm.json", "d.csv", "--probes")]
    [InlineData("warp-drive")]
    public void BadUsageIsOneLineAndExitCodeTwo(params string[] args)
    {
        (int code, string _, string error) = Run(args);
        Assert.Equal(2, code);
        Assert.Single(error.TrimEnd().Split('\n'));
    }

    [Fact]
    public void AWrongFormatIsOneLineAndExitCodeOne()
    {
        File.WriteAllBytes(PathOf("noise.csv"), Enumerable.Range(0, 500).Select(i => (byte)(i * 37)).ToArray());
        File.WriteAllText(PathOf("table.csv"), "t_s,V_mV,I_nA\n0,-60,0\n0.0001,-60,0\n");
        File.WriteAllText(PathOf("fake.rmmq"), "not a model");
        foreach (string[] args in new[]
        {
            new[] { "inspect", PathOf("noise.csv") },
            new[] { "eval", PathOf("table.csv"), PathOf("table.csv") },
            new[] { "budget", PathOf("fake.rmmq") },
            new[] { "train", PathOf("table.csv"), "--out", PathOf("m.rmm.json") },
        })
        {
            (int code, string _, string error) = Run(args);
            Assert.Equal(1, code);
            Assert.Single(error.TrimEnd().Split('\n'));
        }
    }

    [SkippableFact]
    public void ChannelsAreChosenAndRelabelledOnTheCommandLine()
    {
        string abf = SharedData.File("recordings/pyabf_cellA_171116sh/171116sh_0018.abf");
        Assert.Equal(0, Run("simulate", "--seconds", "3", "--out", PathOf("s.csv")).Code);
        Assert.Equal(0, Run("train", PathOf("s.csv"), "--epochs", "1", "--out", PathOf("m.rmm.json")).Code);
        // The model steps at 0.1 ms, the ABF file at 0.05 ms: refused, naming both.
        (int code, _, string error) = Run("eval", PathOf("m.rmm.json"), abf, "--voltage", "IN 0", "--current", "Cmd 0");
        Assert.Equal(1, code);
        Assert.Contains("0.05 ms", error);
        (code, _, error) = Run("eval", PathOf("m.rmm.json"), abf, "--voltage", "IN 9");
        Assert.Equal(1, code);
        Assert.Contains("channels are IN 0 (mV), Cmd 0 (nA)", error);
        (code, _, error) = Run("eval", PathOf("m.rmm.json"), abf, "--voltage", "IN 0:pA");
        Assert.Equal(1, code);
        Assert.Contains("convertible to mV", error);
    }

    [SkippableFact]
    public void TrainForABoardSizesTheNetworkAndReportsWhatFittingCost()
    {
        Skip.IfNot(CycleBudget.ToolsAvailable(out string missing), $"{missing} not installed (.ci/run installs {CycleBudget.Packages})");
        Assert.Equal(0, Run("simulate", "--system", "hco", "--seconds", "6", "--out", PathOf("hco.csv")).Code);
        (int code, string text, string error) = Run("train", PathOf("hco.csv"), "--network", "pair", "--epochs", "2", "--target", "stm32f769i-discovery", "--out", PathOf("hco.rmm.json"));
        Assert.Equal(0, code);
        Assert.Contains("hidden 20,20,20, bank 36, 16-bit", text);               // the configured pair, measured and refused
        Assert.Contains("<- chosen", text);
        Assert.Contains("the cost of fitting: training the configured network", text);
        Assert.Contains("  configured (hidden 20,20,20, bank 36", text);
        Assert.Contains("  fitted (hidden ", text);
        Assert.Contains("--bits 16", text);
        string saved = File.ReadAllText(PathOf("hco.rmm.json"));
        Assert.Contains("stm32f769i-discovery: hidden ", saved);                 // the model file says what it was sized for

        // Compiled as told, the model holds the rate on that board.
        (code, text, _) = Run("compile", PathOf("hco.rmm.json"), "--out", PathOf("hco.rmmq"));
        Assert.Equal(0, code);
        Assert.Matches(@"stm32f769i-discovery\s+Cortex-M7F 216 MHz\s+native .* yes: \d+ % of the period", text);

        // A board whose cost cannot be measured, and a rate the model does not step at: one line each, exit 1, nothing written.
        (code, _, error) = Run("train", PathOf("hco.csv"), "--network", "pair", "--epochs", "2", "--target", "esp32-devkitc", "--out", PathOf("x.rmm.json"));
        Assert.Equal(1, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("cannot be measured", error);
        (code, _, error) = Run("train", PathOf("hco.csv"), "--network", "pair", "--epochs", "2", "--target", "stm32f769i-discovery@20000", "--out", PathOf("x.rmm.json"));
        Assert.Equal(1, code);
        Assert.Contains("--upsample", error);
        Assert.False(File.Exists(PathOf("x.rmm.json")));

        // Flashing the full-size pair to that board is refused before any port is opened: its step, measured
        // on the emulated Cortex-M7, takes more than the period, though 10 kHz is within the native engine's limit.
        var full = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.Pair(0.1), seed: 1);
        BoardSizing.FitTypicalNormalization(full);
        File.WriteAllBytes(PathOf("full.rmmq"), Quantizer.Compile(full, 16, out _));
        (code, _, error) = Run("flash", PathOf("full.rmmq"), "--port", PathOf("no-such-port"), "--board", "stm32f769i-discovery");
        Assert.Equal(1, code);
        Assert.Contains("refused: no: one step takes 10", error);
        Assert.Contains("rmm train --target stm32f769i-discovery", error);
    }

    /// <summary>A circuit from two records: the cells with the synapses blocked (--synapse-ns 0), then the intact circuit.</summary>
    [Fact]
    public void TrainFitsTheCellsAloneThenTheSynapsesOfTheIntactCircuit()
    {
        Assert.Equal(0, Run("simulate", "--system", "hco", "--seconds", "5", "--out", PathOf("hco.csv")).Code);
        Assert.Equal(0, Run("simulate", "--system", "hco", "--seconds", "5", "--seed", "3", "--synapse-ns", "0", "--out", PathOf("blocked.csv")).Code);
        (int code, string text, _) = Run("train", PathOf("hco.csv"), "--network", "pair", "--epochs", "2", "--cells-alone", PathOf("blocked.csv"), "--out", PathOf("two.rmm.json"));
        Assert.Equal(0, code);
        Assert.Contains("cells alone (synapses blocked): ", text);
        Assert.Contains("then the synapses alone, with the cells' own currents held:", text);
        Assert.Contains("then held while the synapses alone were fitted", File.ReadAllText(PathOf("two.rmm.json")));

        // A single neuron has no synapse to fit: one line, exit 1, nothing written.
        Assert.Equal(0, Run("simulate", "--seconds", "3", "--out", PathOf("one.csv")).Code);
        (code, _, string error) = Run("train", PathOf("one.csv"), "--cells-alone", PathOf("one.csv"), "--epochs", "1", "--out", PathOf("x.rmm.json"));
        Assert.Equal(1, code);
        Assert.Contains("one.csv: a record with the synapses blocked is for a circuit; network 'single' has no synapse", Assert.Single(error.TrimEnd().Split('\n')));
        Assert.False(File.Exists(PathOf("x.rmm.json")));
    }

    [Fact]
    public void EvalJudgesAModelOnProbesBesideASimulatedCellWithTheCompiledModelBesideIt()
    {
        Assert.Equal(0, Run("simulate", "--cell", "py-1", "--seconds", "6", "--out", PathOf("py.csv")).Code);
        File.WriteAllText(PathOf("small.json"), """{ "hidden": [6, 6], "teacherForcing": { "epochs": 2 } }""");
        Assert.Equal(0, Run("train", PathOf("py.csv"), "--config", PathOf("small.json"), "--out", PathOf("py.rmm.json")).Code);
        File.WriteAllBytes(PathOf("py.rmmq"), Quantizer.Compile(RmmEdge.Trainer.Model.ModelFile.Load(PathOf("py.rmm.json")), 16, out _));

        (int code, _, string error) = Run("eval", PathOf("py.rmm.json"), PathOf("py.csv"), "--rmmq", PathOf("py.rmmq"));
        Assert.Equal(1, code);
        Assert.Equal("rmm: --rmmq: compares the compiled model on the probes; give --probes CELL too", error.Trim());
        (code, _, error) = Run("eval", PathOf("py.rmm.json"), PathOf("py.csv"), "--probes", "lp-9");
        Assert.Equal(1, code);
        Assert.Contains("unknown cell 'lp-9'; known: a, burster-2003", error);
        (code, _, error) = Run("eval", PathOf("py.rmm.json"), PathOf("py.csv"), "--probes-out", PathOf("probes.csv"));
        Assert.Equal(1, code);
        Assert.Equal("rmm: --probes-out: writes the free runs on the probes; give --probes CELL too", error.Trim());
        Assert.False(File.Exists(PathOf("probes.csv")));

        (code, string json, _) = Run("eval", PathOf("py.rmm.json"), PathOf("py.csv"), "--probes", "py-1", "--rmmq", PathOf("py.rmmq"), "--json",
            "--probes-out", PathOf("probes.csv"));
        using var document = System.Text.Json.JsonDocument.Parse(json);
        System.Text.Json.JsonElement g = document.RootElement.GetProperty("generalisation");
        Assert.Equal("py-1", g.GetProperty("cell").GetString());
        Assert.False(g.GetProperty("burster").GetBoolean());
        string[] probes = g.GetProperty("probes").EnumerateArray().Select(p => p.GetProperty("probe").GetString()!).ToArray();
        Assert.Equal(["chirp", "ramp", "steps", "noise"], probes);
        Assert.All(g.GetProperty("probes").EnumerateArray(), p =>
        {
            Assert.True(p.GetProperty("dataSpikes").GetInt32() > 20, "the tonic cell fires on every probe");
            Assert.Contains("vs", p.GetProperty("compiledVsFloat").GetString());
        });
        var levels = g.GetProperty("constantCurrent").EnumerateArray().ToArray();
        Assert.Equal(6, levels.Length);
        Assert.StartsWith("silent", levels[0].GetProperty("cell").GetString());   // −0.5 nA
        Assert.StartsWith("tonic", levels[1].GetProperty("cell").GetString());    // 0 nA: py-1 fires at 7.8 Hz

        // The written runs are the judged ones: the model's and the cell's spikes in them are the counts the
        // verdict gives, and the cell's columns are the probe itself.
        string[] rows = File.ReadAllLines(PathOf("probes.csv"));
        Assert.Equal("probe,t_s,I_nA,V_mV,Vdata_mV", rows[0]);
        var byProbe = rows.Skip(1).Select(r => r.Split(',')).GroupBy(f => f[0]).ToArray();
        Assert.Equal(probes, byProbe.Select(g => g.Key));
        Dictionary<string, RmmEdge.Trainer.Data.Dataset> simulated = RmmEdge.Trainer.Interpretation.Generalisation.Probes("py-1");
        foreach (System.Text.Json.JsonElement p in g.GetProperty("probes").EnumerateArray())
        {
            string name = p.GetProperty("probe").GetString()!;
            string[][] probeRows = byProbe.Single(b => b.Key == name).ToArray();
            float[] model = probeRows.Select(f => float.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            float[] cell = probeRows.Select(f => float.Parse(f[4], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(p.GetProperty("modelSpikes").GetInt32(), RmmEdge.Trainer.Evaluation.Spikes.Detect(model, 0.1).Length);
            Assert.Equal(p.GetProperty("dataSpikes").GetInt32(), RmmEdge.Trainer.Evaluation.Spikes.Detect(cell, 0.1).Length);
            RmmEdge.Trainer.Data.NeuronTrace truth = simulated[name].Neurons[0];
            int start = truth.V.Length - probeRows.Length;
            Assert.Equal(truth.I[start + 1000], float.Parse(probeRows[1000][2], System.Globalization.CultureInfo.InvariantCulture), 4);
            Assert.Equal(truth.V[^1], cell[^1], 3);
        }
    }

    [Fact]
    public void ProtocolWritesTheSelectionStimuliScaledToTheRange()
    {
        (int code, string text, _) = Run("protocol", "--seconds", "20", "--range-na", "-0.1:0.35", "--selection", "--out", PathOf("cell.csv"));
        Assert.Equal(0, code);
        Assert.Contains("wrote the selection stimuli", text);
        float[] Current(string name) => File.ReadAllLines(PathOf($"cell-{name}.csv")).Skip(1)
            .Select(l => float.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        foreach (string name in RmmEdge.Trainer.Simulation.SelectionStimuli.Names)
        {
            Assert.Equal(150_000, Current(name).Length);
        }

        // An STG cell's chirp of 0.35 ± 0.4 nA on −0.6…1.2 nA, mapped onto −0.1…0.35 nA: 0.1375 ± 0.1 nA.
        Assert.InRange(Current("chirp").Max(), 0.2374, 0.2376);
        Assert.InRange(Current("chirp").Min(), 0.0374, 0.0376);
        Assert.Equal(0.35f, Current("ramp")[0], 4);
        Assert.InRange(Current("training").Max(), 0.3, 0.35 + 0.45 / 6 + 1e-4);
        Assert.Contains("--selection cell-chirp.abf cell-ramp.abf cell-steps.abf cell-training.abf", text);
    }

    [Fact]
    public void ProtocolWritesRestQuietAndNoisyStepsOverTheAskedRange()
    {
        (int code, string text, _) = Run("protocol", "--seconds", "30", "--range-na", "-0.1:0.4", "--quiet", "0.5", "--seed", "2", "--out", PathOf("stim.csv"));
        Assert.Equal(0, code);
        Assert.Contains("at rest", text);
        Assert.Contains("set --range-na to cover the largest currents you will inject", text);
        string[] lines = File.ReadAllLines(PathOf("stim.csv"));
        Assert.Equal("t_s,I_nA", lines[0]);
        Assert.Equal(300_001, lines.Length);
        float[] current = lines.Skip(1).Select(l => float.Parse(l.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.InRange(current.Min(), -0.1 - 0.5 / 9 - 1e-4, 0);
        Assert.InRange(current.Max(), 0.3, 0.4 + 0.5 / 6 + 1e-4);
        // Runs of ≥ 0.2 s at one value: rest steps at 0 and quiet steps at other levels.
        var held = new List<float>();
        int start = 0;
        for (int k = 1; k <= current.Length; k++)
        {
            if (k == current.Length || current[k] != current[start])
            {
                if (k - start >= 2000) { held.Add(current[start]); }
                start = k;
            }
        }

        Assert.Contains(0f, held);
        Assert.Contains(held, level => level != 0f);
        Assert.Equal(0, Run("simulate", "--cell", "py-1", "--seconds", "2", "--quiet", "0.5", "--out", PathOf("py.csv")).Code);
        (code, _, string error) = Run("simulate", "--system", "hh", "--cell", "py-1", "--out", PathOf("hh.csv"));
        Assert.Equal(1, code);
        Assert.Contains("--cell applies to stg and hco", error);
    }

    [Fact]
    public void UpsampleStepsTheModelSeveralTimesPerSampleAndEvalSaysWhenItIsNeeded()
    {
        Assert.Equal(0, Run("simulate", "--seconds", "4", "--out", PathOf("coarse.csv")).Code);
        (int code, string text, _) = Run("train", PathOf("coarse.csv"), "--upsample", "2", "--epochs", "1", "--out", PathOf("fine.rmm.json"));
        Assert.Equal(0, code);
        Assert.Equal(0.05, RmmEdge.Trainer.Model.ModelFile.Load(PathOf("fine.rmm.json")).DtMs, 9);
        (code, _, string error) = Run("eval", PathOf("fine.rmm.json"), PathOf("coarse.csv"));
        Assert.Equal(1, code);
        Assert.Contains("--upsample 2", error);
        (code, text, _) = Run("eval", PathOf("fine.rmm.json"), PathOf("coarse.csv"), "--upsample", "2", "--json");
        Assert.True(code is 0 or 1, text);   // a 1-epoch model may diverge; it is still scored
        Assert.Contains("\"modelSpikes\"", text);
    }

    [Fact]
    public void AReportOfSeveralSweepsFreeRunsEachOnItsOwnWithAnFiCurve()
    {
        Assert.Equal(0, Run("simulate", "--seconds", "3", "--seed", "2", "--out", PathOf("sweep1.csv")).Code);
        Assert.Equal(0, Run("simulate", "--seconds", "3", "--seed", "3", "--out", PathOf("sweep2.csv")).Code);
        Assert.Equal(0, Run("train", PathOf("sweep1.csv"), "--epochs", "2", "--out", PathOf("sweeps.rmm.json")).Code);
        (int code, string text, _) = Run("report", PathOf("sweeps.rmm.json"), PathOf("sweep1.csv"), PathOf("sweep2.csv"), "--out", PathOf("sweeps.html"));
        Assert.Equal(0, code);
        Assert.Contains("(2 plots)", text);
        string html = File.ReadAllText(PathOf("sweeps.html"));
        Assert.Contains("free run of every sweep", html);
        Assert.Contains("FI curve", html);
        Assert.DoesNotContain("free run on held-out data", html);   // no free run across the boundary of the two files
    }

    [Fact]
    public void SimulateTrainEvalCompileRoundTrip()
    {
        Assert.Equal(0, Run("simulate", "--system", "stg", "--seconds", "14", "--seed", "3", "--out", PathOf("stg.csv.gz")).Code);
        (int code, string text, _) = Run("inspect", PathOf("stg.csv.gz"), "--json");
        Assert.Equal(0, code);
        Assert.Contains("\"rateKhz\": 10", text);
        Assert.Equal(0, Run("train", PathOf("stg.csv.gz"), "--epochs", "4", "--out", PathOf("stg.rmm.json")).Code);
        (code, text, _) = Run("eval", PathOf("stg.rmm.json"), PathOf("stg.csv.gz"), "--json");
        Assert.True(code is 0 or 1);   // a 4-epoch model may diverge; the command must still report
        Assert.Contains("angularSeparation", text);
        Assert.Contains("modelOutsideTrainedRange", text);
        (code, text, _) = Run("compile", PathOf("stg.rmm.json"), "--out", PathOf("stg.rmmq"), "--bits", "8");
        Assert.Equal(0, code);
        Assert.Contains("8-bit weights", text);
        Assert.True(File.Exists(PathOf("stg.rmmq.report.txt")));
        if (CycleBudget.ToolsAvailable(out _))
        {
            (code, text, _) = Run("budget", PathOf("stg.rmmq"));
            Assert.Equal(0, code);
            Assert.Contains("Cortex-M4", text);
        }

        // The report compares the compiled model with the float one (table and plot), and refuses a file compiled from another model.
        (code, _, _) = Run("report", PathOf("stg.rmm.json"), PathOf("stg.csv.gz"), "--rmmq", PathOf("stg.rmmq"), "--out", PathOf("stg.html"));
        Assert.Equal(0, code);
        string html = File.ReadAllText(PathOf("stg.html"));
        Assert.Contains("fixed vs float", html);
        Assert.Contains("outside trained V (model / cell)", html);
        Assert.Contains("neuron: frequency-dependent conductance G(v, ω)", html);
        var pair = new RmmEdge.Trainer.Model.Network(RmmEdge.Trainer.Model.NetworkSpec.Pair(0.1, hidden: [4], externalSecond: true), seed: 2);
        File.WriteAllBytes(PathOf("pair.rmmq"), RmmEdge.Trainer.Compile.Quantizer.Compile(pair, 16, out _));
        (code, _, string error) = Run("report", PathOf("stg.rmm.json"), PathOf("stg.csv.gz"), "--rmmq", PathOf("pair.rmmq"), "--out", PathOf("bad.html"));
        Assert.Equal(1, code);
        Assert.Contains("not a compilation of this model", error);
    }
}
