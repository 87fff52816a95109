#nullable enable
using System.Device.Adc;
using System.Device.Dac;
using System.Globalization;
using RmmEdge.Firmware.Engine;
using RmmEdge.Firmware.Hardware;
using RmmEdge.Rig;
using RmmEdge.Rig.Board;
using RmmEdge.SharedModel.Format;
using RmmEdge.SharedModel.Protocol;

namespace RmmEdge.Emulator;

/// <summary>What to emulate: a compiled model on a board, in a mode, for a time.</summary>
public sealed record EmulationSetup(byte[] Model, BoardProfile Board, int Preset, RunConfiguration Run, IPreparation Preparation,
    double Seconds, VirtualBoardOptions? Options = null, IProgress<double>? Progress = null);

/// <summary>The record of an emulated run: every DAC write, the loop's final status and the converter events.</summary>
public sealed record EmulationResult(IReadOnlyList<(long TimeUs, int Code, double Input, double Output)> Writes, LoopStatus Status,
    int OutOfRangeWrites, int WrappedWrites, int ZeroCurrentCode, double SimulatedSeconds)
{
    /// <summary>Intervals between consecutive outputs (µs): the loop's timing as the amplifier sees it.</summary>
    public int[] OutputIntervalsUs => Writes.Zip(Writes.Skip(1), (a, b) => (int)(b.TimeUs - a.TimeUs)).ToArray();

    /// <summary>Native engine only: every model neuron's voltage (mV) after each step, neuron-major.</summary>
    public float[][]? ModelVoltages { get; init; }

    /// <summary>Two-channel runs: every DAC write of channel 2.</summary>
    public IReadOnlyList<(long TimeUs, int Code, double Input, double Output)> Writes2 { get; init; } = [];

    public string Summary =>
        $"{SimulatedSeconds:0.###} s emulated: {Status.Step:N0} steps, {Status.Overruns} overruns, stop: {StopReason.Name(Status.Reason)}; " +
        $"DAC codes {(Writes.Count == 0 ? "none" : $"{Writes.Min(w => w.Code)}…{Writes.Max(w => w.Code)}")}, {OutOfRangeWrites} out of range, {WrappedWrites} wrapped";

    /// <summary>Writes the record as CSV (time, input, output, DAC code; and channel 2's when it ran), through a temporary name.</summary>
    public void Save(string path)
    {
        bool two = Writes2.Count > 0;   // channel 2 is written right after channel 1 in every step: rows pair up
        UserFiles.WriteAtomically(path, file =>
        {
            using var writer = new StreamWriter(file);
            writer.WriteLine(two ? "t_ms,input,output,dac_code,input2,output2,dac_code2" : "t_ms,input,output,dac_code");
            for (int k = 0; k < Writes.Count; k++)
            {
                var w = Writes[k];
                string line = string.Create(CultureInfo.InvariantCulture, $"{w.TimeUs / 1000.0:0.###},{w.Input:0.####},{w.Output:0.####},{w.Code}");
                if (two && k < Writes2.Count)
                {
                    var w2 = Writes2[k];
                    line += string.Create(CultureInfo.InvariantCulture, $",{w2.Input:0.####},{w2.Output:0.####},{w2.Code}");
                }

                writer.WriteLine(line);
            }
        });
    }
}

/// <summary>
/// Runs the firmware's loop — LoopCore, the calibrated ADC/DAC classes, and for the managed engine the
/// ManagedEngine itself — against a <see cref="VirtualBoard"/> wired to a simulated preparation, in
/// virtual time: deterministic for a seed and faster than real time. The native engine is emulated by
/// timer ticks at exact multiples of the period running LoopCore (the bit-identical twin of the C loop,
/// tests/Firmware/LoopTwinTests), each costing the configured converter and step times.
/// </summary>
public static class Emulation
{
    public static EmulationResult Run(EmulationSetup setup)
    {
        ModelLoadResult loaded = RmmqReader.Load(setup.Model);
        if (!loaded.Ok)
        {
            throw new UserError($"the model failed validation: {loaded}");
        }

        if (LoopCore.Check(loaded.Model, setup.Run) is string problem)
        {
            throw new UserError($"the run configuration does not fit the model: {problem}");
        }

        int channels = setup.Run.ChannelCount;
        if (channels > setup.Board.Channels)
        {
            throw new UserError($"the run uses {channels} channels; board profile {setup.Board.Id} wires {setup.Board.Channels}");
        }

        if (channels != setup.Preparation.Channels)
        {
            throw new UserError($"the run uses {channels} channel(s); the preparation has {setup.Preparation.Channels} amplifier channel(s)");
        }

        var board = new VirtualBoard(setup.Board, setup.Board.Preset(setup.Preset), setup.Preparation, setup.Options);
        VirtualBoard? previous = VirtualBoard.Active;
        VirtualBoard.Active = board;
        try
        {
            Calibration calibration = CalibrationFactory.From(setup.Board, board.Preset, setup.Run.Mode);
            var dac = new DacOutput(DacController.GetDefault(), setup.Board.Dac.Channel, calibration.ToCode(0));
            var output = new CalibratedOutput(dac, calibration);
            var input = new CalibratedInput(new AdcInput(new AdcController(), setup.Board.Adc.Channel), calibration);
            var signals = new Signals(input, output, null, null);
            if (channels == 2)
            {
                var dac2 = new DacOutput(DacController.GetDefault(), setup.Board.Dac.Channel2!.Value, calibration.ToCode(0));
                signals = signals with
                {
                    Input2 = new CalibratedInput(new AdcInput(new AdcController(), setup.Board.Adc.Channel2!.Value), calibration),
                    Output2 = new CalibratedOutput(dac2, calibration),
                };
            }

            long endUs = (long)(setup.Seconds * 1e6);
            board.RecordUntilUs = endUs;
            uint crc = Crc32.Compute(setup.Model, 0, setup.Model.Length);
            List<float>[] voltages = Enumerable.Range(0, loaded.Model.NeuronCount).Select(_ => new List<float>()).ToArray();
            LoopStatus status = setup.Run.Engine == BoardInfo.EngineNative
                ? RunNative(board, loaded.Model, setup.Run, signals, endUs, crc, voltages, setup.Progress)
                : RunManaged(board, setup.Model, loaded.Model, setup.Run, signals, endUs, crc, setup.Progress);
            return new EmulationResult(board.Writes, status, board.OutOfRangeWrites, board.WrappedWrites, calibration.ToCode(0), setup.Seconds)
            {
                ModelVoltages = setup.Run.Engine == BoardInfo.EngineNative ? voltages.Select(v => v.ToArray()).ToArray() : null,
                Writes2 = board.Writes2,
            };
        }
        finally
        {
            VirtualBoard.Active = previous;
        }
    }

    /// <summary>The board's calibrated converter channels: the second pair is null on a one-channel run.</summary>
    private sealed record Signals(ISignalInput Input, ISignalOutput Output, ISignalInput? Input2, ISignalOutput? Output2);

    private static LoopStatus RunManaged(VirtualBoard board, byte[] file, RmmqModel model, RunConfiguration run, Signals io,
        long endUs, uint crc, IProgress<double>? progress)
    {
        var engine = new ManagedEngine(board.Clock, io.Input, io.Output, io.Input2, io.Output2);
        board.Clock.HoldAtUs = endUs;
        if (engine.Start(file, model, crc, run) is string refused)
        {
            throw new UserError($"the managed engine refused the run: {refused}");
        }

        while (!board.Clock.Frozen && engine.Snapshot().State == LoopStatus.StateRunning)
        {
            progress?.Report(Math.Min(1, board.Clock.Peek / (double)endUs));
            Thread.Sleep(1);
        }

        LoopStatus status = engine.Snapshot();   // the engine thread is held at endUs (or has stopped itself)
        board.Clock.Release();
        engine.Stop(StopReason.Requested);
        if (status.State == LoopStatus.StateRunning)
        {
            status.State = LoopStatus.StateStopped;
            status.Reason = StopReason.Requested;
        }

        return status;
    }

    private static LoopStatus RunNative(VirtualBoard board, RmmqModel model, RunConfiguration run, Signals io,
        long endUs, uint crc, List<float>[] voltages, IProgress<double>? progress)
    {
        var core = new LoopCore(model, run);
        var status = new LoopStatus { State = LoopStatus.StateRunning, ModelCrc = crc };
        long period = run.PeriodUs, busyUntil = 0;
        var overruns = new OverrunStreak(run.OverrunStreak);
        long every = Math.Max(period, endUs / 100);
        for (long tick = period; tick <= endUs; tick += period)
        {
            if (tick % every < period) { progress?.Report(tick / (double)endUs); }
            if (busyUntil > tick)
            {
                // The timer fired while the previous tick still ran: this period is lost (as rmm_native_engine.c).
                status.Overruns++;
                if (overruns.Record(overran: true))
                {
                    Finish(StopReason.OverrunStreak);
                    break;
                }

                continue;
            }

            board.Clock.Set(tick);
            bool go = core.Step(io.Input, io.Output, io.Input2, io.Output2);
            for (int i = 0; i < voltages.Length; i++) { voltages[i].Add(core.Voltage(i) / 65536f); }
            busyUntil = board.Clock.Peek;
            status.Step++;
            status.Voltage = core.LastInput(0);
            status.Current = core.LastOutput(0);
            status.CycleUs = (ushort)Math.Min(65535, busyUntil - tick);
            status.MaxCycleUs = Math.Max(status.MaxCycleUs, status.CycleUs);
            if (!go)
            {
                Finish(core.StopReason);
                break;
            }

            bool overran = busyUntil > tick + period;
            if (overran)
            {
                status.Overruns++;
            }

            if (overruns.Record(overran))
            {
                Finish(StopReason.OverrunStreak);
                break;
            }
        }

        if (status.State == LoopStatus.StateRunning)
        {
            Finish(StopReason.Requested);
        }

        return status;

        void Finish(byte reason)
        {
            io.Output.WriteSafe();
            io.Output2?.WriteSafe();
            status.State = LoopStatus.StateStopped;
            status.Reason = reason;
        }
    }
}
