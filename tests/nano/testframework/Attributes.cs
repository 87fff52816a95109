// A look-alike of nanoFramework.TestFramework 3.0 (nanoframework-facts.md §2): same namespace, same
// attribute and Assert names, so that one set of test sources builds as an NFUnitTest project on a
// nanoFramework toolchain and runs here under `dotnet test` (tests/nano/UnitTests).
// Written in nanoFramework-safe C#: it is also compiled against the reference assemblies
// (tests/nano/ref/nanoFramework.TestFramework), which proves the test sources use only that surface.

using System;

namespace nanoFramework.TestFramework
{
    /// <summary>Marks a class whose public parameterless void methods with [TestMethod] are tests.</summary>
    [AttributeUsage(AttributeTargets.Class)]
    public sealed class TestClassAttribute : Attribute { }

    /// <summary>Marks a test method: public, void, no parameters. It passes unless it throws.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class TestMethodAttribute : Attribute { }

    /// <summary>Runs once, before the first test of its class.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class SetupAttribute : Attribute { }

    /// <summary>Runs once, after the last test of its class.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class CleanupAttribute : Attribute { }

    /// <summary>One row of arguments for a parameterised test; may appear several times and replaces [TestMethod].</summary>
    [AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
    public sealed class DataRowAttribute : Attribute
    {
        public DataRowAttribute(params object[] methodParameters)
        {
            MethodParameters = methodParameters;
        }

        public object[] MethodParameters { get; }
    }

    /// <summary>Thrown by every failed assertion.</summary>
    public class AssertFailedException : Exception
    {
        public AssertFailedException(string message) : base(message) { }
    }

    /// <summary>Thrown by <see cref="Assert.SkipTest"/>; the runner reports the test as skipped.</summary>
    public class SkipTestException : Exception
    {
        public SkipTestException(string message) : base(message) { }
    }

    /// <summary>Receives one line of test output.</summary>
    public delegate void TextSinkLine(string line);

    /// <summary>Test output (Debug output on a device, the test log on the host).</summary>
    public static class OutputHelper
    {
        /// <summary>Where output goes; the host runner sets it. Null means "discard".</summary>
        public static TextSinkLine Sink { get; set; }

        public static void WriteLine(string message)
        {
            TextSinkLine sink = Sink;
            if (sink != null)
            {
                sink(message);
            }
        }

        public static void Write(string message)
        {
            WriteLine(message);
        }
    }
}
