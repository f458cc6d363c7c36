using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

/// <summary>Issue 25, items 5 and 6: resilience settings are validated at start, and NetworkTimeout is honoured in hosted mode.</summary>
public class ResilienceSettingsTests
{
    private static WebApplication Host(Dictionary<string, string?> extra)
    {
        Dictionary<string, string?> settings = TestHosts.Settings(new Uri("https://api.tokenlay.com"), TestKeys.Tokenlay);
        foreach ((string key, string? value) in extra)
        {
            settings[key] = value;
        }
        WebApplicationBuilder builder = TestHosts.Builder(settings);
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay"));
        return builder.Build();
    }

    [Theory]
    [InlineData("MaxRetryAttempts", "-1")]
    [InlineData("AttemptTimeout", "00:00:00")]
    [InlineData("ReadTimeout", "-00:00:05")]
    [InlineData("FailureRatio", "1.5")]
    [InlineData("MinimumThroughput", "1")]
    [InlineData("BreakDuration", "00:00:00.100")]
    public async Task An_out_of_range_resilience_setting_stops_the_host_at_start_naming_its_key(string property, string value)
    {
        await using WebApplication app = Host(new() { ["Tokenlay:Resilience:" + property] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains($"'Tokenlay:Resilience:{property}'", error.Message);
    }

    [Fact]
    public async Task A_resilience_setting_that_is_not_a_time_span_stops_the_host_at_start_naming_its_key()
    {
        await using WebApplication app = Host(new() { ["Tokenlay:Resilience:AttemptTimeout"] = "ten minutes" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Contains("Tokenlay:Resilience:AttemptTimeout", error.Message);
    }

    [Fact]
    public async Task Valid_resilience_settings_start()
    {
        await using WebApplication app = Host(new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "0", ["Tokenlay:Resilience:AttemptTimeout"] = "00:00:30" });

        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task In_hosted_mode_network_timeout_bounds_a_body_that_stalls_after_its_headers()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"id\":");
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
        });
        using ServiceProvider services = TestHosts.Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:NetworkTimeout"] = "00:00:01",
            ["Tokenlay:Resilience:AttemptTimeout"] = "00:00:01",
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
        });
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TokenlayTimeoutException>(() => chat.CompleteChatAsync("hi"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task In_hosted_mode_network_timeout_bounds_the_wait_for_headers_unless_attempt_timeout_is_set()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }));
        using ServiceProvider services = TestHosts.Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:NetworkTimeout"] = "00:00:01",
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
        });
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TokenlayTimeoutException>(() => chat.CompleteChatAsync("hi"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
    }
}
