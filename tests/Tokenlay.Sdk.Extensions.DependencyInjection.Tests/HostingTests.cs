using System.Net;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using Tokenlay.AspNetCore;
using Tokenlay.Emulator;
using Tokenlay.Emulator.Metering;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

public class HostingTests
{
    // A web app on the emulator: AddTokenlay from configuration, test-header authentication, the user-context middleware.
    private static WebApplication AttributionHost(TokenlayEmulator emulator, ILoggerProvider? logs = null)
    {
        WebApplicationBuilder builder = TestHosts.Builder(TestHosts.Settings(emulator.BaseUrl, emulator.Key));
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddOpenAIChatClient("gpt-4o-mini");
        builder.Services.AddTokenlayUserContext(o => o.OrgClaim = "org_id");
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName).AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        WebApplication app = builder.Build();
        app.UseAuthentication();
        app.UseTokenlayUserContext();
        return app;
    }

    [Fact]
    public async Task A_host_with_only_AddTokenlay_config_attributes_each_request_to_the_signed_in_user()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        await using WebApplication app = AttributionHost(emulator);
        app.MapGet("/ask", async (ChatClient chat) => (await chat.CompleteChatAsync("hi")).Value.Content[0].Text).WithTokenlayFeature("ask");
        using HttpClient http = await TestHosts.StartAsync(app);

        var request = new HttpRequestMessage(HttpMethod.Get, "/ask");
        request.Headers.Add("X-Test-User", "user-123");
        request.Headers.Add("X-Test-Org", "acme");
        HttpResponseMessage response = await http.SendAsync(request);
        HttpResponseMessage anonymous = await http.GetAsync("/ask");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, anonymous.StatusCode);
        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        Assert.Equal(("user-123", "acme", "ask"), (log[0].User, log[0].Org, log[0].Feature));
        Assert.Equal((null, "ask"), (log[1].User, log[1].Feature));
    }

    [Fact]
    public async Task A_claim_with_cr_lf_never_fails_the_request_and_is_left_out_and_logged_once()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        var logs = new ListLoggerProvider();
        await using WebApplication app = AttributionHost(emulator, logs);
        app.MapGet("/ask", async (ChatClient chat) => (await chat.CompleteChatAsync("hi")).Value.Content[0].Text);
        app.MapGet("/plain", () => "no llm here");
        using HttpClient http = await TestHosts.StartAsync(app);

        HttpStatusCode[] statuses = new HttpStatusCode[3];
        for (int i = 0; i < 3; i++)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, i == 2 ? "/plain" : "/ask");
            request.Headers.Add("X-Test-User", "user-123");
            request.Headers.TryAddWithoutValidation("X-Test-Org", "acme\\r\\nx-tokenlay-provider-base: https://evil.example");
            statuses[i] = (await http.SendAsync(request)).StatusCode;
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        IReadOnlyList<CallLogEntry> log = emulator.Store.Snapshot();
        Assert.Equal(2, log.Count);
        Assert.All(log, e => Assert.Equal(("user-123", (string?)null), (e.User, e.Org)));
        Assert.Single(logs.Lines, l => l.Message.Contains("'org_id'", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Lines, l => l.Message.Contains("evil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_insecure_base_url_fails_at_start_naming_the_configuration_path()
    {
        WebApplicationBuilder builder = TestHosts.Builder(TestHosts.Settings(new Uri("http://tokenlay.example.com"), "tl_key_0123456789"));
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay"));
        await using WebApplication app = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Tokenlay:TokenlayBaseUrl", error.Message);
    }

    private static ServiceProvider Services(Uri baseUrl, Dictionary<string, string?>? extra = null, Action<TokenlayBuilder>? configure = null, ILoggerProvider? logs = null) =>
        TestHosts.Services(baseUrl, extra, configure, logs);

    private static Task<FakeProxy> StartAlwaysFailing(int status, string? ruleAction = null) => FakeProxy.StartAsync(async (context, _) =>
    {
        context.Response.Headers["Retry-After"] = "0";
        if (ruleAction is not null)
        {
            context.Response.Headers["x-tokenlay-rule-action"] = ruleAction;
        }
        await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("failing", "server_error"), status);
    });

    [Fact]
    public async Task With_polly_on_a_failing_call_is_attempted_exactly_once_plus_pollys_retries()
    {
        await using FakeProxy proxy = await StartAlwaysFailing(503);
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "2", ["Tokenlay:MaxRetries"] = "5" });
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");

        await Assert.ThrowsAsync<TokenlayServerException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(3, proxy.RequestCount); // 1 + 2 from Polly; the pipeline's own 5 retries are off
        Assert.Single(proxy.Requests.Select(r => r.Header("x-tokenlay-idempotency-key")).Distinct());
    }

    [Fact]
    public async Task With_polly_off_the_pipeline_retries_instead()
    {
        await using FakeProxy proxy = await StartAlwaysFailing(503);
        using ServiceProvider services = Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:Resilience:Enabled"] = "false",
            ["Tokenlay:MaxRetries"] = "1",
        });

        await Assert.ThrowsAsync<TokenlayServerException>(() => services.GetRequiredService<OpenAIClient>().GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(2, proxy.RequestCount);
    }

    [Fact]
    public async Task Polly_never_retries_a_rule_block()
    {
        await using FakeProxy proxy = await StartAlwaysFailing(429, ruleAction: "block");
        using ServiceProvider services = Services(proxy.BaseUrl);

        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => services.GetRequiredService<OpenAIClient>().GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
    }

    [Fact]
    public async Task A_short_attempt_timeout_never_cuts_a_healthy_stream()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { SimulatedChunkDelay = TimeSpan.FromMilliseconds(80) });
        using ServiceProvider services = Services(emulator.BaseUrl, new()
        {
            ["Tokenlay:TokenlayKey"] = emulator.Key,
            ["Tokenlay:Resilience:AttemptTimeout"] = "00:00:00.300",
        });
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("gpt-4o-mini");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var text = new System.Text.StringBuilder();
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("a message long enough to stream for a while"))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
        }

        Assert.True(clock.Elapsed > TimeSpan.FromMilliseconds(600), $"the stream should outlast the attempt timeout; took {clock.Elapsed}");
        Assert.EndsWith("a message long enough to stream for a while\"", text.ToString());
    }

    [Fact]
    public async Task The_attempt_timeout_does_cut_a_call_whose_headers_never_come()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { SimulatedLatency = TimeSpan.FromSeconds(5) });
        using ServiceProvider services = Services(emulator.BaseUrl, new()
        {
            ["Tokenlay:TokenlayKey"] = emulator.Key,
            ["Tokenlay:Resilience:AttemptTimeout"] = "00:00:00.200",
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
        });

        var error = await Assert.ThrowsAsync<TokenlayTimeoutException>(() => services.GetRequiredService<OpenAIClient>().GetChatClient("m").CompleteChatAsync("hi"));

        Assert.IsType<Polly.Timeout.TimeoutRejectedException>(error.InnerException);
        Assert.Contains("'Tokenlay:Resilience:AttemptTimeout'", error.Message);
    }

    [Fact]
    public async Task A_configuration_change_to_the_provider_key_or_metadata_applies_to_the_next_call()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Metadata:project"] = "before" });
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");
        await chat.CompleteChatAsync("hi");

        var configuration = (IConfigurationRoot)services.GetRequiredService<IConfiguration>();
        configuration["Tokenlay:ProviderApiKey"] = TestKeys.CustomerProvider;
        configuration["Tokenlay:Metadata:project"] = "after";
        configuration.Reload();
        await chat.CompleteChatAsync("hi");

        Assert.Equal((TestKeys.Provider, "before"), (proxy.Requests[0].Header("x-tokenlay-provider-key"), proxy.Requests[0].Header("x-tokenlay-project")));
        Assert.Equal((TestKeys.CustomerProvider, "after"), (proxy.Requests[1].Header("x-tokenlay-provider-key"), proxy.Requests[1].Header("x-tokenlay-project")));
    }

    [Fact]
    public async Task An_invalid_configuration_change_is_logged_and_the_last_good_settings_stay()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        var logs = new ListLoggerProvider();
        using ServiceProvider services = Services(proxy.BaseUrl, logs: logs);
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");
        await chat.CompleteChatAsync("hi");

        var configuration = (IConfigurationRoot)services.GetRequiredService<IConfiguration>();
        configuration["Tokenlay:ProviderApiKey"] = "sk-changed-provider-0123456789";
        configuration["Tokenlay:MaxRetries"] = "-1"; // invalid: the whole change is refused
        configuration.Reload();
        await chat.CompleteChatAsync("hi");

        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Error && l.Message.Contains("not applied", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keyed_registrations_keep_their_own_settings()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        var services = new ServiceCollection();
        foreach (string project in new[] { "alpha", "beta" })
        {
            services.AddKeyedTokenlay(project, o =>
            {
                o.TokenlayKey = TestKeys.Tokenlay;
                o.ProviderApiKey = TestKeys.Provider;
                o.TokenlayBaseUrl = proxy.BaseUrl;
                o.Metadata["project"] = project;
            }).AddOpenAIChatClient("gpt-4o-mini");
        }
        using ServiceProvider provider = services.BuildServiceProvider();

        await provider.GetRequiredKeyedService<ChatClient>("alpha").CompleteChatAsync("hi");
        await provider.GetRequiredKeyedService<ChatClient>("beta/gpt-4o-mini").CompleteChatAsync("hi");

        Assert.Equal(new[] { "alpha", "beta" }, proxy.Requests.Select(r => r.Header("x-tokenlay-project")));
        Assert.NotSame(provider.GetRequiredKeyedService<OpenAIClient>("alpha"), provider.GetRequiredKeyedService<OpenAIClient>("beta"));
    }

    [Fact]
    public async Task The_health_check_reports_healthy_and_unhealthy()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        var healthy = new ServiceCollection();
        healthy.AddTokenlay(o => { o.TokenlayKey = emulator.Key; o.ProviderApiKey = "sk-x"; o.TokenlayBaseUrl = emulator.BaseUrl; });
        healthy.AddHealthChecks().AddTokenlay();
        var down = new ServiceCollection();
        down.AddTokenlay(o => { o.TokenlayKey = "k"; o.ProviderApiKey = "sk-x"; o.TokenlayBaseUrl = new Uri("http://127.0.0.1:1"); })
            .ConfigureResilience(r => r.MaxRetryAttempts = 0);
        down.AddHealthChecks().AddTokenlay();

        using ServiceProvider up = healthy.BuildServiceProvider();
        using ServiceProvider broken = down.BuildServiceProvider();
        HealthReport upReport = await up.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        HealthReport downReport = await broken.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Healthy, upReport.Status);
        Assert.Equal(HealthStatus.Unhealthy, downReport.Status);
        Assert.Contains("not reachable", downReport.Entries["tokenlay"].Description);
    }

    [Fact]
    public async Task Blocks_and_warnings_are_logged_without_keys()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
        {
            ExtraModels = ["m"],
            Rules = Tokenlay.Emulator.Rules.RuleSet.Parse("""
                [{ "id": "one-a-day", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day" } ] } }]
                """),
        });
        var logs = new ListLoggerProvider();
        using ServiceProvider services = Services(emulator.BaseUrl, new() { ["Tokenlay:TokenlayKey"] = emulator.Key }, logs: logs);
        ChatClient chat = services.GetRequiredService<OpenAIClient>().GetChatClient("m");

        await chat.CompleteChatAsync("hi");
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => chat.CompleteChatAsync("hi"));

        (LogLevel level, string message) = Assert.Single(logs.Lines, l => l.Message.Contains("blocked", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("one-a-day", message);
        Assert.All(logs.Lines, l => Assert.DoesNotContain(TestKeys.Provider, l.Message));
        Assert.All(logs.Lines, l => Assert.DoesNotContain(emulator.Key, l.Message));
    }

    [Fact]
    public async Task The_companion_client_is_registered_and_shares_the_transport()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using ServiceProvider services = Services(emulator.BaseUrl, new() { ["Tokenlay:TokenlayKey"] = emulator.Key });
        await services.GetRequiredService<OpenAIClient>().GetChatClient("gpt-4o-mini").CompleteChatAsync("hi");

        Tokenlay.Companion.TokenlayUsage usage = await services.GetRequiredService<TokenlayClient>().Usage.GetAsync();

        Assert.Equal(1, usage.Totals.Requests);
    }
}
