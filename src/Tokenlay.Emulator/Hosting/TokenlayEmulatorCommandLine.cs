using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Hosting;

/// <summary>
/// The <c>tokenlay-emulator</c> command: parses its arguments, starts the emulator, prints where it
/// listens and how to point the SDK at it, and runs until shut down. The dotnet tool is this one call,
/// so an app of your own (a test host, an Aspire resource) can run the same command in-process.
/// </summary>
public static class TokenlayEmulatorCommandLine
{
    /// <summary>The command's usage text, as <c>--help</c> prints it.</summary>
    public static string Usage => EmulatorCommandLine.Usage;

    /// <summary>Runs the command until the emulator shuts down (Ctrl+C, or <paramref name="cancellationToken"/>).</summary>
    /// <param name="args">The command-line arguments, such as <c>--urls http://127.0.0.1:8787 --rules rules.json</c>.</param>
    /// <param name="output">Where the banner and help go; the console when null.</param>
    /// <param name="error">Where errors and warnings go; the console's error stream when null.</param>
    /// <param name="cancellationToken">Stops the emulator.</param>
    /// <returns>The exit code: 0 when it ran or printed help, 2 for bad arguments, an unusable store or a port in use.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="args"/> is null.</exception>
    public static async Task<int> RunAsync(string[] args, TextWriter? output = null, TextWriter? error = null, CancellationToken cancellationToken = default)
    {
        if (args is null)
        {
            throw new ArgumentNullException(nameof(args));
        }
        output ??= Console.Out;
        error ??= Console.Error;
        (TokenlayEmulatorOptions? options, string? problem, bool help) = EmulatorCommandLine.Parse(args, out var warnings);
        if (help)
        {
            await output.WriteLineAsync(EmulatorCommandLine.Usage).ConfigureAwait(false);
            return 0;
        }
        if (options is null)
        {
            await error.WriteLineAsync("tokenlay-emulator: " + problem).ConfigureAwait(false);
            return 2;
        }
        foreach (string warning in warnings)
        {
            await error.WriteLineAsync("tokenlay-emulator: warning: " + warning).ConfigureAwait(false);
        }
        TokenlayEmulator emulator;
        try
        {
            emulator = await TokenlayEmulator.StartAsync(options).ConfigureAwait(false);
        }
        catch (EmulatorStoreException e)
        {
            await error.WriteLineAsync("tokenlay-emulator: " + e.Message).ConfigureAwait(false);
            return 2;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }
                                    || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await error.WriteLineAsync($"tokenlay-emulator: {options.Urls} is already in use; stop what listens there or pass another --urls, such as --urls http://127.0.0.1:8788").ConfigureAwait(false);
            return 2;
        }
        await using (emulator.ConfigureAwait(false))
        {
            await output.WriteLineAsync(Banner(emulator, options)).ConfigureAwait(false);
            await emulator.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    private static string Banner(TokenlayEmulator emulator, TokenlayEmulatorOptions options) => $"""
        Tokenlay emulator listening on {emulator.BaseUrl} ({(options.Forward ? "forwarding to the provider" : "simulating the provider, no network needed")}).
          OpenAI-compatible API: {emulator.BaseUrl}v1   key: {emulator.Key}   rules: {options.Rules.Count}
          {OpenApiLine(emulator)}
          Dashboard: {emulator.DashboardUrl}

        Point the SDK at it:
          export TOKENLAY_BASE_URL={emulator.BaseUrl.ToString().TrimEnd('/')}
          export TOKENLAY_KEY={emulator.Key}
          export PROVIDER_API_KEY={(options.Forward ? "<your provider key>" : "sk-anything")}

        Press Ctrl+C to stop.
        """;

    // The OpenAPI document generator exists from ASP.NET Core 9 on.
    private static string OpenApiLine(TokenlayEmulator emulator) =>
#if NET9_0_OR_GREATER
        $"OpenAPI document:      {emulator.BaseUrl}openapi/v1.json";
#else
        "OpenAPI document:      (not in this build; the Tokenlay.Emulator package on net10.0 serves it)";
#endif
}
