using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenAI;
using OpenAI.Chat;
using Tokenlay.Companion;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

/// <summary>The hosted client against stalls, hostile answers and shared state: each test pins one defect that was fixed.</summary>
public class HostedHardeningTests
{
    private static ServiceProvider Services(Uri baseUrl, Dictionary<string, string?>? extra = null, bool health = false) =>
        TestHosts.Services(baseUrl, extra, health: health);

    private static ChatClient Chat(ServiceProvider services) => services.GetRequiredService<OpenAIClient>().GetChatClient("m");

    // Headers and the first bytes of a body, then nothing until the client gives up.
    private static Task<FakeProxy> StartStallingProxy(string contentType, string firstBytes) => FakeProxy.StartAsync(async (context, _) =>
    {
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(firstBytes);
        await context.Response.Body.FlushAsync();
        await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
    });

    [Fact]
    public async Task A_body_that_stalls_after_the_headers_fails_with_a_timeout_naming_the_read_timeout()
    {
        await using FakeProxy proxy = await StartStallingProxy("application/json", "{\"id\":");
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:ReadTimeout"] = "00:00:01" });

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TokenlayTimeoutException>(() => Chat(services).CompleteChatAsync("hi"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Contains("'Tokenlay:Resilience:ReadTimeout'", error.Message);
    }

    [Fact]
    public async Task A_stream_that_stalls_fails_with_a_timeout_after_delivering_what_arrived()
    {
        string firstEvent = "data: " + OpenAIReplies.ChatChunk("Hel") + "\n\n";
        await using FakeProxy proxy = await StartStallingProxy("text/event-stream", firstEvent);
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:ReadTimeout"] = "00:00:01" });
        var text = new StringBuilder();

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TokenlayTimeoutException>(async () =>
        {
            await foreach (StreamingChatCompletionUpdate update in Chat(services).CompleteChatStreamingAsync("hi"))
            {
                text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            }
        });

        Assert.Equal("Hel", text.ToString());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task Provider_errors_of_one_tenant_never_open_the_breaker_for_another()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
        {
            if (request.Header("x-tokenlay-user") == "byok-tenant")
            {
                context.Response.Headers["x-tokenlay-error-source"] = "provider";
                context.Response.Headers["Retry-After"] = "0";
                return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("You exceeded your current quota", "insufficient_quota", "insufficient_quota"), 429);
            }
            return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok"));
        });
        using ServiceProvider services = Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
            ["Tokenlay:Resilience:MinimumThroughput"] = "5",
            ["Tokenlay:Resilience:FailureRatio"] = "0.1",
        });
        ChatClient chat = Chat(services);

        for (int i = 0; i < 25; i++)
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = "byok-tenant" }))
            {
                var quota = await Assert.ThrowsAsync<TokenlayRateLimitException>(() => chat.CompleteChatAsync("hi"));
                Assert.Equal(TokenlayErrorSource.Provider, quota.ErrorSource);
            }
        }
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "other-tenant" }))
        {
            ChatCompletion reply = await chat.CompleteChatAsync("hi");
            Assert.Equal("ok", reply.Content[0].Text);
        }
    }

    [Fact]
    public async Task An_open_breaker_fails_calls_with_its_own_error_without_reaching_the_proxy()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
            return OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("down", "server_error"), 503);
        });
        using ServiceProvider services = Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
            ["Tokenlay:Resilience:MinimumThroughput"] = "3",
            ["Tokenlay:Resilience:BreakDuration"] = "00:00:30",
        });
        ChatClient chat = Chat(services);
        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<TokenlayServerException>(() => chat.CompleteChatAsync("hi"));
        }
        int reached = proxy.RequestCount;

        var open = await Assert.ThrowsAsync<TokenlayCircuitOpenException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(reached, proxy.RequestCount);
        Assert.NotNull(open.RetryAfter);
        Assert.Contains("'Tokenlay:Resilience:BreakDuration'", open.Message);
    }

    [Fact]
    public async Task A_block_without_the_rule_action_header_is_not_retried_by_the_hosted_layer()
    {
        string body = JsonSerializer.Serialize(new { error = new { message = "limit", type = "limit_exceeded", code = "daily_request_limit" } });
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, body, new Dictionary<string, string> { ["Retry-After"] = "0" });
        using ServiceProvider services = Services(proxy.BaseUrl);

        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Chat(services).CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
    }

    [Theory]
    [InlineData(402, "insufficient_credits")]
    [InlineData(403, "subject_blocked")]
    public async Task A_credit_or_blocklist_refusal_is_not_retried_by_the_hosted_layer(int status, string code)
    {
        string body = JsonSerializer.Serialize(new { error = new { message = "refused", type = code == "subject_blocked" ? "blocked" : code, code } });
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(status, body, new Dictionary<string, string> { ["x-tokenlay-rule-action"] = "block", ["Retry-After"] = "0" });
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "3" });

        TokenlayException e = await Assert.ThrowsAnyAsync<TokenlayException>(() => Chat(services).CompleteChatAsync("hi"));

        Assert.Equal(1, proxy.RequestCount);
        Assert.True(e is TokenlayInsufficientCreditsException or TokenlayBlockedException, e.GetType().Name);
    }

    [Fact]
    public async Task An_overflowing_retry_after_is_treated_as_absent_by_the_hosted_layer()
    {
        using ScriptedProxy proxy = ScriptedProxy.Start().AlwaysAnswer(429, OpenAIReplies.Error("slow down", "rate_limit_error"),
            new Dictionary<string, string> { ["Retry-After"] = "1e20", ["retry-after-ms"] = "1e300" });
        using ServiceProvider services = Services(proxy.BaseUrl, new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "1" });

        await Assert.ThrowsAsync<TokenlayRateLimitException>(() => Chat(services).CompleteChatAsync("hi"));

        Assert.Equal(2, proxy.RequestCount);
    }

    [Fact]
    public async Task A_reloaded_key_applies_to_the_companion_client_and_the_health_check_too()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
            request.Path.EndsWith("/health", StringComparison.Ordinal)
                ? OpenAIReplies.WriteJsonAsync(context, """{"status":"ok"}""")
                : OpenAIReplies.WriteJsonAsync(context, """{"data":[],"next_cursor":null,"total":0}"""));
        using ServiceProvider services = Services(proxy.BaseUrl, health: true);
        TokenlayClient tokenlay = services.GetRequiredService<TokenlayClient>();
        await tokenlay.CheckHealthAsync();
        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));

        var configuration = (IConfigurationRoot)services.GetRequiredService<IConfiguration>();
        configuration["Tokenlay:TokenlayKey"] = "tl_rotated_key_0123456789";
        configuration.Reload();
        await tokenlay.CheckHealthAsync();
        Assert.Equal("Bearer tl_rotated_key_0123456789", proxy.LastRequest.Header("authorization"));

        HealthReport report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal("Bearer tl_rotated_key_0123456789", proxy.LastRequest.Header("authorization"));
    }

    [Fact]
    public async Task The_health_check_makes_one_short_attempt_when_tokenlay_is_down()
    {
        int port = ClosedPort.Get();
        // The default back-off, as in production: a probe that went through the retries would take seconds.
        using ServiceProvider services = Services(new Uri($"http://127.0.0.1:{port}"), new() { ["Tokenlay:Resilience:BaseDelay"] = "00:00:01" }, health: true);

        var clock = Stopwatch.StartNew();
        HealthReport report = await services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"a probe must answer within a Kubernetes probe's 1 s; took {clock.Elapsed}");
    }

    [Fact]
    public async Task The_health_check_answers_within_its_timeout_when_tokenlay_hangs_and_does_not_share_the_breaker()
    {
        bool hang = true;
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, request) =>
        {
            if (!request.Path.EndsWith("/health", StringComparison.Ordinal))
            {
                context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
                await OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("down", "server_error"), 503);
                return;
            }
            if (Volatile.Read(ref hang))
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
                return;
            }
            await OpenAIReplies.WriteJsonAsync(context, """{"status":"ok"}""");
        });
        using ServiceProvider services = Services(proxy.BaseUrl, new()
        {
            ["Tokenlay:Resilience:MaxRetryAttempts"] = "0",
            ["Tokenlay:Resilience:MinimumThroughput"] = "3",
            ["Tokenlay:Resilience:BreakDuration"] = "00:01:00",
        }, health: true);
        HealthCheckService health = services.GetRequiredService<HealthCheckService>();

        var clock = Stopwatch.StartNew();
        HealthReport hung = await health.CheckHealthAsync();
        Assert.Equal(HealthStatus.Unhealthy, hung.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"took {clock.Elapsed}");

        // Open the breaker of real calls; the probe still reaches Tokenlay and reports what it finds.
        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<TokenlayServerException>(() => Chat(services).CompleteChatAsync("hi"));
        }
        await Assert.ThrowsAsync<TokenlayCircuitOpenException>(() => Chat(services).CompleteChatAsync("hi"));
        Volatile.Write(ref hang, false);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Status);
    }

    [Fact]
    public async Task A_tls_handshake_against_a_plain_http_port_is_not_retried_by_the_hosted_layer()
    {
        await using FakeProxy plain = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        using ServiceProvider services = Services(new Uri($"https://127.0.0.1:{plain.BaseUrl.Port}"), new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "3" });

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TokenlayConnectionException>(() => Chat(services).CompleteChatAsync("hi"));

        // Each retry would wait at least its back-off; one attempt ends at once.
        Assert.Equal(1, plain.ConnectionsOpened);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_connection_failure_under_di_names_the_configuration_key_not_the_environment_variable()
    {
        int port = ClosedPort.Get();
        using ServiceProvider services = Services(new Uri($"http://127.0.0.1:{port}"), new() { ["Tokenlay:Resilience:MaxRetryAttempts"] = "0" });

        var error = await Assert.ThrowsAsync<TokenlayConnectionException>(() => Chat(services).CompleteChatAsync("hi"));

        Assert.Contains("'Tokenlay:TokenlayBaseUrl'", error.Message);
        Assert.DoesNotContain("TOKENLAY_BASE_URL", error.Message);
    }

    [Fact]
    public void Validation_messages_end_without_the_parameter_name_suffix()
    {
        using ServiceProvider services = Services(new Uri("http://tokenlay.example.com"));

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptionsMonitor<TokenlayOptions>>().Get(Options.DefaultName));

        Assert.Contains("Tokenlay:TokenlayBaseUrl", error.Message);
        Assert.DoesNotContain("(Parameter", error.Message);
    }
}
