using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace RmmEdge.TestSupport;

/// <summary>
/// Builds the C kernel (firmware/native) with the host gcc into a shared library once per test run
/// and exposes the harness functions (tests/native/rmm_harness.c) to the tests.
/// </summary>
public sealed class NativeKernel : IDisposable
{
    private readonly IntPtr _library;
    private readonly string _dir = System.IO.Directory.CreateTempSubdirectory("rmm-native-").FullName;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int LoadFn(byte[] file, uint length, out int offset);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int RunFn(byte[] file, uint length, int[] v0, int[] injected, int[] measured, int steps, int[] outV, int[] outCurrent);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int RequantizeFn(long x, int multiplier, int shift);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int LoopFn(byte[] file, uint length, byte[] config, uint configLength, int steps, int[] inputs, int[] outputs, out int reason);

    [StructLayout(LayoutKind.Sequential)]
    public struct NativeStatus
    {
        public uint Step, Overruns;
        public int Input, Output;
        public ushort CycleUs, MaxCycleUs;
        public byte State, Reason;
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int NativeEngineFn(byte[] file, uint length, byte[] config, uint configLength, int[] calibration, int ticks, uint costUs,
        int[] inputCodes, int[] outputCodes, out NativeStatus status, int wiredChannels);

    public NativeKernel()
    {
        string native = Path.Combine(SharedData.RepoRoot, "firmware", "native");
        string harness = Path.Combine(SharedData.RepoRoot, "tests", "native");
        string library = Path.Combine(_dir, "librmm.so");
        Compile("-std=c99 -O2 -Wall -Wextra -Werror -pedantic -shared -fPIC", library,
            Path.Combine(harness, "rmm_harness.c"), Path.Combine(native, "rmm_load.c"), Path.Combine(native, "rmm_step.c"), Path.Combine(native, "rmm_loop.c"),
            Path.Combine(native, "engine", "rmm_native_engine.c"), Path.Combine(harness, "rmm_platform_fake.c"));
        _library = NativeLibrary.Load(library);
        Load = Marshal.GetDelegateForFunctionPointer<LoadFn>(NativeLibrary.GetExport(_library, "rmm_harness_load"));
        Run = Marshal.GetDelegateForFunctionPointer<RunFn>(NativeLibrary.GetExport(_library, "rmm_harness_run"));
        Requantize = Marshal.GetDelegateForFunctionPointer<RequantizeFn>(NativeLibrary.GetExport(_library, "rmm_harness_requantize"));
        Loop = Marshal.GetDelegateForFunctionPointer<LoopFn>(NativeLibrary.GetExport(_library, "rmm_harness_loop"));
        Engine = Marshal.GetDelegateForFunctionPointer<NativeEngineFn>(NativeLibrary.GetExport(_library, "rmm_harness_native_engine"));
    }

    public LoadFn Load { get; }

    public RunFn Run { get; }

    public RequantizeFn Requantize { get; }

    public LoopFn Loop { get; }

    public NativeEngineFn Engine { get; }

    public string Directory => _dir;

    /// <summary>Compiles C sources with the host gcc; fails the test with gcc's output on error.</summary>
    public static void Compile(string flags, string output, params string[] sources)
    {
        string include = Path.Combine(SharedData.RepoRoot, "firmware", "native");
        var info = new ProcessStartInfo("gcc", $"{flags} -I{include} -o {output} {string.Join(' ', sources)}")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using Process? gcc = Process.Start(info);
        Assert.NotNull(gcc);
        string errors = gcc!.StandardError.ReadToEnd() + gcc.StandardOutput.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc failed: {errors}");
    }

    public void Dispose()
    {
        NativeLibrary.Free(_library);
        System.IO.Directory.Delete(_dir, recursive: true);
    }
}
