using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;
using RmmCli = RmmEdge.Cli.Cli;

namespace RmmEdge.Cli.Tests;

/// <summary>
/// `rmm demo --quick` end to end, and its HTML report rendered by a real browser (Debian's headless
/// Chromium, installed by .ci/run): the page loads without console errors, every plot is an SVG with
/// drawn lines, and a screenshot is taken.
/// </summary>
public sealed class ReportRenderTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly string _dir = Directory.CreateTempSubdirectory("rmm-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [SkippableFact]
    public void QuickDemoWritesAReportThatChromiumRendersWithEveryPlotDrawn()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = RmmCli.Run(["demo", "--quick", "--out", _dir], stdout, stderr);
        output.WriteLine(stdout.ToString() + stderr);
        Assert.Equal(0, code);
        string report = Path.Combine(_dir, "report.html");
        Assert.Contains($"report: {report}", stdout.ToString());
        string html = File.ReadAllText(report);
        int plots = Regex.Matches(html, "<svg ").Count;
        Assert.True(plots >= 12, $"{plots} plots in the report");
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", ""));   // self-contained: nothing to fetch

        Skip.IfNot(File.Exists(Chromium), $"{Chromium} not installed (.ci/run installs Debian's chromium)");
        string png = Path.Combine(_dir, "report.png");
        (string dom, string log) = RunChromium($"--dump-dom file://{report}");
        RunChromium($"--screenshot={png} --window-size=1100,4000 file://{report}");
        Assert.True(new FileInfo(png).Length > 50_000, "the screenshot is (nearly) empty");
        Assert.Equal(plots, Regex.Matches(dom, "<svg ").Count);
        MatchCollection lines = Regex.Matches(dom, "<polyline[^>]*points=\"([^\"]*)\"");
        Assert.True(lines.Count >= plots, $"{lines.Count} lines for {plots} plots");
        Assert.True(lines.Count(m => m.Groups[1].Value.Trim().Split(' ').Length >= 2) >= plots, "some plots have no drawn line");
        string[] consoleErrors = log.Split('\n').Where(l => l.Contains("CONSOLE", StringComparison.Ordinal) || l.Contains("Uncaught", StringComparison.Ordinal)).ToArray();
        Assert.True(consoleErrors.Length == 0, string.Join('\n', consoleErrors));
        output.WriteLine($"{plots} plots, {lines.Count} lines, screenshot {new FileInfo(png).Length:N0} bytes");
    }

    private (string Stdout, string Stderr) RunChromium(string arguments)
    {
        string profile = Path.Combine(_dir, "chromium-profile");
        var info = new ProcessStartInfo(Chromium,
            "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update " +
            $"--disable-sync --hide-scrollbars --enable-logging=stderr --v=0 --user-data-dir={profile} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process chromium = Process.Start(info)!;
        Task<string> stdout = chromium.StandardOutput.ReadToEndAsync(), stderr = chromium.StandardError.ReadToEndAsync();
        Assert.True(chromium.WaitForExit(120_000), "chromium did not finish within 2 minutes");
        Assert.True(chromium.ExitCode == 0, $"chromium exited with {chromium.ExitCode}: {stderr.Result}");
        return (stdout.Result, stderr.Result);
    }
}
