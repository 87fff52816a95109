using RmmEdge.Trainer.Training;
using Spectre.Console;

namespace RmmEdge.Cli;

/// <summary>
/// Shows training progress: a Spectre.Console bar per stage with ETA on a terminal; when the output is
/// redirected (a log file, a test), one plain line per validated epoch instead, so logs stay readable.
/// </summary>
internal static class ProgressView
{
    public static T Run<T>(CommandContext context, IReadOnlyList<(string Stage, int Epochs)> stages,
        Func<IProgress<(string Stage, EpochRecord Epoch)>, T> work)
    {
        bool terminal = ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected;
        if (!terminal)
        {
            return work(new Lines(context.Out, stages));
        }

        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var tasks = stages.ToDictionary(s => s.Stage, s => ctx.AddTask(s.Stage, autoStart: false, maxValue: Math.Max(1, s.Epochs)));
                result = work(new Bars(tasks));
            });
        return result;
    }

    /// <summary>A long step without epochs (compilation checks, emulation): a bar with ETA, or lines at each quarter.</summary>
    public static T RunFraction<T>(CommandContext context, string label, Func<IProgress<double>, T> work)
    {
        bool terminal = ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected;
        if (!terminal)
        {
            return work(new QuarterLines(context.Out, label));
        }

        T result = default!;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(label, maxValue: 1.0);
                result = work(new Fraction(task));
                task.Value = 1.0;
            });
        return result;
    }

    private sealed class Fraction(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = Math.Clamp(value, 0, 1);
    }

    private sealed class QuarterLines(TextWriter output, string label) : IProgress<double>
    {
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
        private int _quarter;

        public void Report(double value)
        {
            int quarter = (int)(Math.Clamp(value, 0, 1) * 4);
            if (quarter > _quarter && quarter < 4)
            {
                _quarter = quarter;
                double eta = _clock.Elapsed.TotalSeconds / value * (1 - value);
                output.WriteLine($"{label}: {quarter * 25}%, ETA {eta:0} s");
            }
        }
    }

    private sealed class Bars(Dictionary<string, ProgressTask> tasks) : IProgress<(string Stage, EpochRecord Epoch)>
    {
        public void Report((string Stage, EpochRecord Epoch) value)
        {
            ProgressTask task = tasks[value.Stage];
            task.StartTask();
            task.Value = value.Epoch.Epoch;
            string validation = value.Epoch.Validation is double v ? $", validation {v:0.000}" : "";
            task.Description = $"{value.Stage}: epoch {value.Epoch.Epoch}/{task.MaxValue:0}, loss {value.Epoch.TrainLoss:G4}{validation}";
        }
    }

    private sealed class Lines(TextWriter output, IReadOnlyList<(string Stage, int Epochs)> stages) : IProgress<(string Stage, EpochRecord Epoch)>
    {
        public void Report((string Stage, EpochRecord Epoch) value)
        {
            if (value.Epoch.Validation is not double v)
            {
                return;
            }

            int total = stages.First(s => s.Stage == value.Stage).Epochs;
            double rate = value.Epoch.Seconds > 0 ? value.Epoch.Epoch / value.Epoch.Seconds : 0;
            string eta = rate > 0 ? $", ETA {(total - value.Epoch.Epoch) / rate:0} s" : "";
            output.WriteLine($"{value.Stage}: epoch {value.Epoch.Epoch}/{total}, loss {value.Epoch.TrainLoss:G4}, validation {v:0.000}, " +
                $"{rate:0.0} epochs/s{eta}");
        }
    }
}
