using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class ErrorTests
{
    private static Task<FakeProxy> StartFailingProxy(int status, string body, Action<IHeaderDictionary>? headers = null, string contentType = "application/json") =>
        FakeProxy.StartAsync(async (context, _) =>
        {
            headers?.Invoke(context.Response.Headers);
            context.Response.StatusCode = status;
            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body);
        });

    private static ChatClient Chat(FakeProxy proxy) => TestKeys.Client(proxy, o => o.MaxRetries = 0).GetChatClient("m");

    [Theory]
    [InlineData(400, typeof(TokenlayValidationException))]
    [InlineData(401, typeof(TokenlayAuthenticationException))]
    [InlineData(403, typeof(TokenlayPermissionDeniedException))]
    [InlineData(404, typeof(TokenlayNotFoundException))]
    [InlineData(409, typeof(TokenlayConflictException))]
    [InlineData(422, typeof(TokenlayValidationException))]
    [InlineData(429, typeof(TokenlayRateLimitException))]
    [InlineData(418, typeof(TokenlayException))]
    [InlineData(500, typeof(TokenlayServerException))]
    [InlineData(503, typeof(TokenlayServerException))]
    public async Task Each_status_maps_to_its_typed_exception_with_the_servers_details(int status, Type expected)
    {
        await using FakeProxy proxy = await StartFailingProxy(status,
            """{"error":{"message":"Something specific went wrong","type":"some_type","code":"some_code","param":"messages"}}""",
            h => h["x-tokenlay-request-id"] = "req_err_1");

        TokenlayException error = await Assert.ThrowsAnyAsync<TokenlayException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Equal(expected, error.GetType());
        Assert.Equal(status, error.Status);
        Assert.Equal("some_type", error.ErrorType);
        Assert.Equal("some_code", error.ErrorCode);
        Assert.Equal("messages", error.ErrorParam);
        Assert.Equal("req_err_1", error.RequestId);
        Assert.StartsWith("Something specific went wrong", error.Message);
        Assert.Contains("req_err_1", error.Message);
        Assert.Same(error.GetRawResponse(), error.GetRawResponse());
        Assert.Equal(status, error.GetRawResponse()!.Status);
    }

    [Fact]
    public async Task Existing_catch_blocks_for_the_openai_exception_keep_working()
    {
        await using FakeProxy proxy = await StartFailingProxy(400, OpenAIReplies.Error("bad", "invalid_request_error"));

        ClientResultException error = await Assert.ThrowsAnyAsync<ClientResultException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.IsAssignableFrom<TokenlayException>(error);
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public async Task A_rule_block_carries_the_rule_the_limit_and_retry_after()
    {
        await using FakeProxy proxy = await StartFailingProxy(429,
            """
            {"error": {"message": "Monthly cost limit reached", "type": "limit_exceeded",
              "code": "monthly_cost_limit", "param": null,
              "tokenlay": {"rule_id": "pro-tier", "limit": {"type": "cost", "window": "month",
                "per": "user", "current": 50.4, "max": 50, "resets_at": "2026-12-01T00:00:00Z"}}}}
            """,
            h =>
            {
                h["x-tokenlay-rule-action"] = "block";
                h["x-tokenlay-error-source"] = "tokenlay";
                h["Retry-After"] = "120";
            });

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Equal("pro-tier", error.RuleId);
        Assert.Equal("monthly_cost_limit", error.ErrorCode);
        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Equal(TokenlayErrorSource.Tokenlay, error.ErrorSource);
        Assert.NotNull(error.Limit);
        Assert.Equal("cost", error.Limit!.Type);
        Assert.Equal("month", error.Limit.Window);
        Assert.Equal("user", error.Limit.Per);
        Assert.Equal(50.4m, error.Limit.Current);
        Assert.Equal(50m, error.Limit.Max);
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), error.Limit.ResetsAt);
        Assert.Contains("rule: pro-tier", error.Message);
    }

    [Fact]
    public async Task A_limit_body_without_the_block_header_is_still_a_limit_exceeded_error()
    {
        await using FakeProxy proxy = await StartFailingProxy(402, OpenAIReplies.Error("Out of credit", "limit_exceeded"));

        var error = await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Chat(proxy).CompleteChatAsync("hi"));
        Assert.Equal(402, error.Status);
    }

    [Fact]
    public async Task Retry_after_as_an_http_date_is_understood()
    {
        string date = DateTimeOffset.UtcNow.AddSeconds(90).ToString("r");
        await using FakeProxy proxy = await StartFailingProxy(429, OpenAIReplies.Error("slow down", "rate_limit_error"), h => h["Retry-After"] = date);

        var error = await Assert.ThrowsAsync<TokenlayRateLimitException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.InRange(error.RetryAfter!.Value.TotalSeconds, 80, 91);
    }

    [Fact]
    public async Task An_upstream_provider_error_is_a_provider_exception_with_the_providers_status()
    {
        await using FakeProxy proxy = await StartFailingProxy(401, OpenAIReplies.Error("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
            h => h["x-tokenlay-error-source"] = "provider");

        var error = await Assert.ThrowsAsync<TokenlayProviderException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Equal(401, error.Status);
        Assert.Equal(TokenlayErrorSource.Provider, error.ErrorSource);
        Assert.Contains("provider key", error.Message);
    }

    [Fact]
    public async Task A_provider_429_is_a_rate_limit_exception_whose_source_is_the_provider()
    {
        await using FakeProxy proxy = await StartFailingProxy(429, OpenAIReplies.Error("You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
            h => h["x-tokenlay-error-source"] = "provider");

        var error = await Assert.ThrowsAsync<TokenlayRateLimitException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Equal(TokenlayErrorSource.Provider, error.ErrorSource);
        Assert.Equal("insufficient_quota", error.ErrorCode);
    }

    [Fact]
    public async Task An_html_502_from_a_load_balancer_gives_a_server_exception_with_a_short_excerpt()
    {
        string html = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
            + new string(' ', 10) + string.Concat(Enumerable.Repeat("<p>padding text</p>", 200)) + "</body></html>";
        await using FakeProxy proxy = await StartFailingProxy(502, html, contentType: "text/html");

        var error = await Assert.ThrowsAsync<TokenlayServerException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Equal(502, error.Status);
        Assert.Contains("502 Bad Gateway", error.Message);
        Assert.DoesNotContain("<h1>", error.Message);
        // The excerpt is cut to 200 characters; the rest is the status, the URL called and what to check.
        Assert.Contains("…", error.Message);
        Assert.Contains(proxy.BaseUrl + "v1/chat/completions", error.Message);
        Assert.True(error.Message.Length < 600, $"message too long: {error.Message.Length}");
    }

    [Fact]
    public async Task An_empty_error_body_still_gives_the_typed_exception()
    {
        await using FakeProxy proxy = await StartFailingProxy(503, "");

        var error = await Assert.ThrowsAsync<TokenlayServerException>(() => Chat(proxy).CompleteChatAsync("hi"));

        Assert.Contains("empty error body", error.Message);
    }

    [Fact]
    public async Task No_key_appears_in_any_exception_text_even_when_the_server_echoes_it()
    {
        string echoed = $"Key {TestKeys.Provider} and {TestKeys.Tokenlay} and {TestKeys.CustomerProvider} rejected";
        await using FakeProxy proxy = await StartFailingProxy(401, OpenAIReplies.Error(echoed, "auth"),
            h => h["x-tokenlay-request-id"] = "r1");
        ChatClient chat = Chat(proxy);

        TokenlayException error;
        using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider }))
        {
            error = await Assert.ThrowsAnyAsync<TokenlayException>(() => chat.CompleteChatAsync("hi"));
        }

        string everything = error.ToString();
        Assert.DoesNotContain(TestKeys.Provider, everything);
        Assert.DoesNotContain(TestKeys.Tokenlay, everything);
        Assert.DoesNotContain(TestKeys.CustomerProvider, everything);
        Assert.Contains("[redacted]", error.Message);
    }

    [Fact]
    public async Task NoThrow_per_call_returns_the_error_response_instead_of_throwing()
    {
        await using FakeProxy proxy = await StartFailingProxy(400, OpenAIReplies.Error("bad", "invalid_request_error"));
        var options = new RequestOptions { ErrorOptions = ClientErrorBehaviors.NoThrow }.AddTokenlayContext(new TokenlayRequestContext());

        ClientResult result = await Chat(proxy).CompleteChatAsync(BinaryContent.Create(BinaryData.FromString("""{"model":"m","messages":[]}""")), options);

        Assert.Equal(400, result.GetRawResponse().Status);
    }

    [Fact]
    public async Task A_refused_connection_is_a_connection_exception()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        } // closed again: nothing listens there now
        var options = new TokenlayOptions
        {
            TokenlayKey = TestKeys.Tokenlay,
            ProviderApiKey = TestKeys.Provider,
            TokenlayBaseUrl = new Uri($"http://127.0.0.1:{port}"),
            MaxRetries = 0,
        };

        var error = await Assert.ThrowsAsync<TokenlayConnectionException>(() =>
            TokenlayOpenAIClient.Create(options).GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(0, error.Status);
        Assert.NotNull(error.InnerException);
        Assert.Contains($"127.0.0.1:{port}", error.Message);
        Assert.DoesNotContain(TestKeys.Provider, error.ToString());
    }

    [Fact]
    public async Task A_proxy_slower_than_the_network_timeout_gives_a_timeout_exception()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        ChatClient chat = TestKeys.Client(proxy, o => { o.MaxRetries = 0; o.NetworkTimeout = TimeSpan.FromMilliseconds(300); }).GetChatClient("m");

        var error = await Assert.ThrowsAsync<TokenlayTimeoutException>(() => chat.CompleteChatAsync("hi"));

        Assert.Contains("0.3 s", error.Message);
    }

    [Fact]
    public async Task Caller_cancellation_stays_an_operation_canceled_exception()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync(async (context, _) => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted));
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            chat.CompleteChatAsync(new[] { new UserChatMessage("hi") }, cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task The_synchronous_api_throws_the_same_typed_exceptions()
    {
        await using FakeProxy proxy = await StartFailingProxy(404, OpenAIReplies.Error("no such model", "invalid_request_error", "model_not_found"));

        var error = Assert.Throws<TokenlayNotFoundException>(() => Chat(proxy).CompleteChat("hi"));

        Assert.Equal("model_not_found", error.ErrorCode);
    }
}
