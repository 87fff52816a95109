using RmmEdge.Cli;

// rmm: the RmmEdge command line. Exit codes: 0 ok, 1 failure (bad input file, failed run), 2 bad usage.
return Cli.Run(args, Console.Out, Console.Error);
