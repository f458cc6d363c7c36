// Benchmarks of the Tokenlay SDK against the raw OpenAI client (see docs/benchmarks.md).
//   dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- --filter '*'
//   dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- ab [rounds] [batch]
//   dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- ab-stream [rounds] [batch]
//   bash tests/Tokenlay.Sdk.Benchmarks/sdk-ab.sh [old-commit] [rounds] [batch]
//   dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- load [requests] [concurrency]
//   dotnet run -c Release --project tests/Tokenlay.Sdk.Benchmarks -- memory [calls] [concurrency] [users] [--data]
//   bash tests/Tokenlay.Sdk.Benchmarks/emulator-ab.sh [old-commit] [rounds] [requests] [concurrency]
using BenchmarkDotNet.Running;
using Tokenlay.Benchmarks;

if (args.Length > 0 && args[0] == "load")
{
    int requests = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5000;
    int concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16;
    await EmulatorLoadTest.RunAsync(requests, concurrency);
    return;
}
if (args.Length > 0 && args[0] == "memory")
{
    int calls = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000;
    int concurrency = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 16;
    int users = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 100;
    bool withData = args.Length > 4 && args[4] == "--data";
    await EmulatorMemoryTest.RunAsync(calls, concurrency, users, withData);
    return;
}
if (args.Length > 0 && args[0] == "ab")
{
    int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
    int batch = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    await InterleavedAbTest.RunAsync(rounds, batch);
    return;
}
if (args.Length > 0 && args[0] == "ab-builds")
{
    // ab-builds <old Tokenlay.Sdk.dll> [rounds] [batch] (see sdk-ab.sh)
    int rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30;
    int batch = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
    await SdkBuildAbTest.RunAsync(args[1], rounds, batch);
    return;
}
if (args.Length > 0 && args[0] == "ab-stream")
{
    int rounds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 30;
    int batch = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 300;
    await InterleavedAbTest.RunStreamingAsync(rounds, batch);
    return;
}
if (args.Length > 0 && args[0] == "emulator-ab")
{
    // emulator-ab rounds requests concurrency upstream oldSim newSim oldFwd newFwd (see emulator-ab.sh)
    int[] n = args[1..4].Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    Uri[] urls = args[4..9].Select(a => new Uri(a)).ToArray();
    await EmulatorAbTest.RunAsync(n[0], n[1], n[2], urls[0], urls[1], urls[2], urls[3], urls[4]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(ClientOverheadBenchmarks).Assembly).Run(args);
