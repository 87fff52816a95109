using System.Reflection;
using nanoFramework.TestFramework;
using Xunit;
using Xunit.Abstractions;

namespace RmmEdge.NanoUnit.Tests;

/// <summary>
/// Executes every nanoFramework-style test ([TestClass] with [TestMethod] or [DataRow] methods) found
/// in this assembly as one xUnit theory case each, so `dotnet test` reports them one by one.
/// Semantics follow nanoFramework.TestFramework: a test passes unless it throws; Assert.SkipTest
/// skips. Each case gets a fresh instance with its [Setup] run before and [Cleanup] after, which
/// isolates cases (the device runs Setup once per class; tests must not depend on the difference).
/// </summary>
public sealed class NanoTestRunner(ITestOutputHelper output)
{
    private static readonly Assembly TestAssembly = typeof(NanoTestRunner).Assembly;

    public static IEnumerable<object[]> Cases()
    {
        foreach (Type type in TestAssembly.GetTypes().Where(t => t.GetCustomAttribute<TestClassAttribute>() != null))
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
            {
                if (method.GetCustomAttribute<TestMethodAttribute>() != null)
                {
                    yield return new object[] { type.FullName!, method.Name, -1 };
                }

                DataRowAttribute[] rows = method.GetCustomAttributes<DataRowAttribute>().ToArray();
                for (int row = 0; row < rows.Length; row++)
                {
                    yield return new object[] { type.FullName!, method.Name, row };
                }
            }
        }
    }

    [Fact]
    public void TheNanoTestsAreDiscovered()
    {
        // Guards against a runner that silently finds nothing and so can never fail.
        Xunit.Assert.True(Cases().Count() >= 5, "expected the NFUnitTest sources to be compiled into this assembly");
    }

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void Run(string className, string methodName, int dataRow)
    {
        Type type = TestAssembly.GetType(className, throwOnError: true)!;
        MethodInfo method = type.GetMethod(methodName)!;
        object? instance = method.IsStatic ? null : Activator.CreateInstance(type);
        object?[]? args = dataRow < 0 ? null : Convert(method, method.GetCustomAttributes<DataRowAttribute>().ElementAt(dataRow));

        OutputHelper.Sink = output.WriteLine;
        try
        {
            InvokeAll(type, instance, typeof(SetupAttribute));
            try
            {
                Invoke(method, instance, args);
            }
            finally
            {
                InvokeAll(type, instance, typeof(CleanupAttribute));
            }
        }
        catch (SkipTestException skip)
        {
            Skip.If(true, skip.Message);
        }
        finally
        {
            OutputHelper.Sink = null;
        }
    }

    private static object?[] Convert(MethodInfo method, DataRowAttribute row)
    {
        ParameterInfo[] parameters = method.GetParameters();
        object[] values = row.MethodParameters ?? [];
        if (values.Length != parameters.Length)
        {
            throw new InvalidOperationException(
                $"{method.DeclaringType!.Name}.{method.Name}: DataRow has {values.Length} values for {parameters.Length} parameters");
        }

        return parameters.Select((p, i) => values[i] is null ? null : System.Convert.ChangeType(values[i], p.ParameterType)).ToArray();
    }

    private static void InvokeAll(Type type, object? instance, Type attribute)
    {
        foreach (MethodInfo m in type.GetMethods().Where(m => m.GetCustomAttribute(attribute) != null))
        {
            Invoke(m, m.IsStatic ? null : instance, null);
        }
    }

    private static void Invoke(MethodInfo method, object? instance, object?[]? args)
    {
        try
        {
            method.Invoke(instance, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
        }
    }
}
