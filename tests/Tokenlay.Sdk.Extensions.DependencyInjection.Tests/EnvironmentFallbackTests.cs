using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI.Chat;
using Tokenlay.Emulator;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

/// <summary>AddTokenlay(configuration) honours the variables TokenlayOptions.FromEnvironment() reads; configuration wins.</summary>
[Collection(nameof(EnvironmentVariables))]
public class EnvironmentFallbackTests
{
    private static Dictionary<string, string?> NoTokenlaySettings() => new() { ["Tokenlay:Resilience:BaseDelay"] = "00:00:00.010" };

    [Fact]
    public async Task A_host_whose_configuration_has_no_key_or_base_url_uses_TOKENLAY_KEY_and_TOKENLAY_BASE_URL()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var env = new TemporaryEnvironment(new() { ["TOKENLAY_KEY"] = emulator.Key, ["TOKENLAY_BASE_URL"] = emulator.BaseUrl.ToString() });
        WebApplicationBuilder builder = TestHosts.Builder(NoTokenlaySettings());
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddOpenAIChatClient("gpt-4o-mini");
        await using WebApplication app = builder.Build();
        await app.StartAsync();

        ChatCompletion reply = await app.Services.GetRequiredService<ChatClient>().CompleteChatAsync("hello from the environment");

        Assert.Contains("hello from the environment", reply.Content[0].Text, StringComparison.Ordinal);
        Assert.Single(emulator.Store.Snapshot());
    }

    [Fact]
    public async Task Configured_values_win_over_the_environment_variables()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var env = new TemporaryEnvironment(new()
        {
            ["TOKENLAY_KEY"] = "tl_from_the_environment_0123456789",
            ["TOKENLAY_BASE_URL"] = $"http://127.0.0.1:{ClosedPort.Get()}",
        });
        WebApplicationBuilder builder = TestHosts.Builder(TestHosts.Settings(emulator.BaseUrl, emulator.Key));
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddOpenAIChatClient("gpt-4o-mini");
        await using WebApplication app = builder.Build();
        await app.StartAsync();

        await app.Services.GetRequiredService<ChatClient>().CompleteChatAsync("hi");

        Assert.Single(emulator.Store.Snapshot());
    }

    [Fact]
    public async Task A_missing_key_fails_the_host_at_start_naming_the_configuration_path_and_the_variable()
    {
        using var env = new TemporaryEnvironment(new());
        Dictionary<string, string?> settings = TestHosts.Settings(new Uri("https://api.tokenlay.com"), "tl_key_0123456789");
        settings.Remove("Tokenlay:TokenlayKey");
        WebApplicationBuilder builder = TestHosts.Builder(settings);
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay"));
        await using WebApplication app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("'Tokenlay:TokenlayKey' is missing", error.Message);
        Assert.Contains("TOKENLAY_KEY", error.Message);
    }

    [Fact]
    public async Task A_TOKENLAY_BASE_URL_that_is_not_a_url_fails_at_start_naming_the_variable()
    {
        using var env = new TemporaryEnvironment(new() { ["TOKENLAY_BASE_URL"] = "not a url" });
        WebApplicationBuilder builder = TestHosts.Builder(new() { ["Tokenlay:TokenlayKey"] = "tl_key_0123456789" });
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay"));
        await using WebApplication app = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("TOKENLAY_BASE_URL", error.Message);
        Assert.DoesNotContain("tl_key_0123456789", error.ToString());
    }
}
