using Xunit;

namespace RmmEdge.TestSupport;

/// <summary>
/// (Compiled into each test project that uses it, since xUnit reads a collection definition only from the
/// test assembly itself; RmmEdge.TestSupport does not compile it.)
/// Tests whose managed engine busy-waits on a core run one class at a time, and after every other test
/// (no parallel training beside them): two such loops on a 2-core machine would starve each other and the
/// test host, and a training test beside a real-time loop made it overrun and stop on a slow VM.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealTimeEngines
{
    public const string Name = "real-time engines";
}
