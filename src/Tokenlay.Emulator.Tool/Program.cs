using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Tokenlay.Emulator;
using Tokenlay.Emulator.Hosting;

(TokenlayEmulatorOptions? options, string? error, bool help) = EmulatorCommandLine.Parse(args, out var warnings);
if (help)
{
    Console.WriteLine(EmulatorCommandLine.Usage);
    return 0;
}
if (options is null)
{
    Console.Error.WriteLine("tokenlay-emulator: " + error);
    return 2;
}

foreach (string warning in warnings)
{
    Console.Error.WriteLine("tokenlay-emulator: warning: " + warning);
}
TokenlayEmulator emulator;
try
{
    emulator = await TokenlayEmulator.StartAsync(options);
}
catch (EmulatorStoreException e)
{
    Console.Error.WriteLine("tokenlay-emulator: " + e.Message);
    return 2;
}
catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"tokenlay-emulator: {options.Urls} is already in use; stop what listens there or pass another --urls, such as --urls http://127.0.0.1:8788");
    return 2;
}
await using var running = emulator;
Console.WriteLine($"""
    Tokenlay emulator listening on {emulator.BaseUrl} ({(options.Forward ? "forwarding to the provider" : "simulating the provider, no network needed")}).
      OpenAI-compatible API: {emulator.BaseUrl}v1   key: {emulator.Key}   rules: {options.Rules.Count}
      {OpenApiLine(emulator)}
      Dashboard: {emulator.DashboardUrl}

    Point the SDK at it:
      export TOKENLAY_BASE_URL={emulator.BaseUrl.ToString().TrimEnd('/')}
      export TOKENLAY_KEY={emulator.Key}
      export PROVIDER_API_KEY={(options.Forward ? "<your provider key>" : "sk-anything")}

    Press Ctrl+C to stop.
    """);
await emulator.WaitForShutdownAsync();
return 0;

// The OpenAPI document generator exists from ASP.NET Core 9 on.
static string OpenApiLine(TokenlayEmulator emulator) =>
#if NET9_0_OR_GREATER
    $"OpenAPI document:      {emulator.BaseUrl}openapi/v1.json";
#else
    "OpenAPI document:      (not in this build; the Tokenlay.Emulator package on net10.0 serves it)";
#endif
