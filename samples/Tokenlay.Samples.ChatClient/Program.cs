// A Microsoft.Extensions.AI app on Tokenlay: an IChatClient from DI with function invocation and
// OpenTelemetry, a tool-calling conversation attributed to a user, and what the whole conversation
// cost. Offline by default: with no TOKENLAY_KEY it runs against an in-process emulator.
//
//   dotnet run --project samples/Tokenlay.Samples.ChatClient            (spans and metrics on the console)
//   dotnet run --project samples/Tokenlay.Samples.ChatClient -- --quiet (no telemetry output)
using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tokenlay;
using Tokenlay.Emulator;

bool quiet = args.Contains("--quiet");
HostApplicationBuilder builder = Host.CreateApplicationBuilder(args.Where(a => a != "--quiet").ToArray());
builder.Logging.SetMinimumLevel(LogLevel.Warning); // the conversation, not the HTTP plumbing

TokenlayEmulator? emulator = null;
if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(TokenlayOptions.TokenlayKeyVariable)))
{
    emulator = await TokenlayEmulator.StartAsync();
    Console.WriteLine($"No TOKENLAY_KEY: using the Tokenlay emulator at {emulator.BaseUrl}");
}

builder.Services.AddTokenlay(options =>
    {
        TokenlayOptions fromEnvironment = emulator?.CreateClientOptions() ?? TokenlayOptions.FromEnvironment();
        options.TokenlayKey = fromEnvironment.TokenlayKey;
        options.ProviderApiKey = fromEnvironment.ProviderApiKey;
        options.ProviderApiBase = fromEnvironment.ProviderApiBase;
        options.TokenlayBaseUrl = fromEnvironment.TokenlayBaseUrl;
        options.Metadata["project"] = "chat-client-sample";
    })
    .AddChatClient("gpt-4o-mini") // IChatClient, with Tokenlay as the outermost layer
    .UseFunctionInvocation()
    .UseOpenTelemetry();

if (!quiet)
{
    builder.Services.AddOpenTelemetry()
        .WithTracing(tracing => tracing
            .AddSource(Conversation.Source.Name, "Experimental.Microsoft.Extensions.AI", TokenlayTelemetry.ActivitySourceName)
            .AddConsoleExporter())
        .WithMetrics(metrics => metrics.AddMeter(TokenlayTelemetry.MeterName).AddConsoleExporter());
}

using IHost host = builder.Build();
await host.StartAsync();
IChatClient chat = host.Services.GetRequiredService<IChatClient>();

var options = new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather)] }
    .WithTokenlayContext(new TokenlayRequestContext { User = "alice", Feature = "weather-assistant" });

ChatResponse response;
using (Conversation.Source.StartActivity("weather conversation"))
{
    // Every HTTP attempt becomes a Tokenlay.Sdk span under this one, with its cost and tokens.
    response = await chat.GetResponseAsync("What is the weather in Paris?", options);
}

TokenlayResponseInfo? info = response.GetTokenlayInfo();
Console.WriteLine($"assistant: {response.Text}");
Console.WriteLine($"this conversation: {info?.TokensUsed} tokens, ${info?.CostUsd} (request {info?.RequestId}, model {info?.Model})");
Console.WriteLine($"tool calls made: {response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Count()}");

await host.StopAsync();
if (emulator is not null)
{
    await emulator.DisposeAsync();
}

[Description("Gets the current weather for a city.")]
static string GetWeather([Description("The city, for example Paris")] string city) => $"18 °C and sunny in {city}";

internal static class Conversation
{
    public static readonly System.Diagnostics.ActivitySource Source = new("Tokenlay.Samples.ChatClient");
}
