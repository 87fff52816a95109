using RmmEdge.Bench;

// dotnet run -c Release --project host-trainer/RmmEdge.Bench -- [teacher-forcing|neuron-a] [--epochs N] [--shared DIR]
string mode = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "teacher-forcing";
int? epochs = null;
string shared = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "..", "shared", "data");
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length) { epochs = int.Parse(args[++i]); }
    if (args[i] == "--shared" && i + 1 < args.Length) { shared = args[++i]; }
}

switch (mode)
{
    case "teacher-forcing": TeacherForcingBench.Run(epochs ?? 200, Console.Out); break;
    case "neuron-a": NeuronABench.Run(Path.GetFullPath(shared), epochs ?? 200, Console.Out); break;
    default: Console.Error.WriteLine($"unknown benchmark '{mode}'; use teacher-forcing or neuron-a"); return 2;
}

return 0;
