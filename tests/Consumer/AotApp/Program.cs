// The Native AOT consumer of the consumer check (.ci/consumer-check): AddTokenlay bound from
// configuration (appsettings-style keys and Tokenlay__* environment variables), one call through
// the emulator. Published with PublishAot=true; the check fails on any IL warning from a Tokenlay
// assembly, and on an answer that did not come through Tokenlay.
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using Tokenlay;

IConfiguration configuration = new ConfigurationBuilder()
    .AddInMemoryCollection(new Dictionary<string, string?> { ["Tokenlay:Metadata:project"] = "aot-consumer" })
    .AddEnvironmentVariables()
    .Build();

var services = new ServiceCollection();
services.AddTokenlay(configuration.GetSection("Tokenlay")).AddOpenAIChatClient("gpt-4o-mini");
using ServiceProvider provider = services.BuildServiceProvider();

ChatClient chat = provider.GetRequiredService<ChatClient>();
var result = await chat.CompleteChatAsync("Hello from a Native AOT app");
TokenlayResponseInfo info = result.GetTokenlayInfo();
Console.WriteLine($"aot: {result.Value.Content[0].Text}");
Console.WriteLine($"aot: request {info.RequestId}, {info.TokensUsed} tokens, ${info.CostUsd}");
return info.RequestId is null ? 1 : 0;
