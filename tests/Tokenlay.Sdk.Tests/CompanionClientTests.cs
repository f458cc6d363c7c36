using System.ClientModel;
using Tokenlay.Companion;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>The companion client against a fake server that misbehaves.</summary>
public class CompanionClientTests
{
    private static TokenlayClient Client(FakeProxy proxy) => new(new TokenlayOptions
    {
        TokenlayKey = TestKeys.Tokenlay,
        TokenlayBaseUrl = proxy.BaseUrl,
        InitialRetryDelay = TimeSpan.FromMilliseconds(5),
    });

    [Theory]
    [InlineData("""{"totals": {"requests": 1, "input_tok""")]
    [InlineData("<html>not json</html>")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("""{"totals": "many"}""")]
    public async Task A_malformed_or_truncated_response_is_a_typed_error_never_a_null_reference(string body)
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, body));

        TokenlayException error = await Assert.ThrowsAnyAsync<TokenlayException>(() => Client(proxy).Usage.GetAsync());

        Assert.Equal(typeof(TokenlayException), error.GetType());
        Assert.Equal(200, error.Status);
        Assert.Contains("not the expected JSON", error.Message);
    }

    [Fact]
    public async Task The_companion_client_sends_the_tokenlay_key_and_never_a_provider_key()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, """{"status":"ok"}"""));
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, ProviderApiKey = TestKeys.Provider, TokenlayBaseUrl = proxy.BaseUrl });

        Assert.True((await tokenlay.CheckHealthAsync()).Value.IsHealthy);

        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-provider-key"));
        Assert.Equal("/v1/health", proxy.LastRequest.Path);
    }

    [Fact]
    public async Task Query_filters_are_sent_encoded_and_times_in_utc()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
            OpenAIReplies.WriteJsonAsync(context, """{"totals":{"requests":0},"by_model":[],"by_user":[],"daily":[],"unknown_models":[]}"""));
        var since = new DateTimeOffset(2026, 11, 1, 2, 0, 0, TimeSpan.FromHours(2));

        await Client(proxy).Usage.GetAsync(new TokenlayUsageQuery { User = "a b&c", Since = since });

        RecordedRequest request = proxy.LastRequest;
        Assert.Equal("/v1/usage", request.Path);
        Assert.Equal("?user=a%20b%26c&since=2026-11-01T00%3A00%3A00.0000000Z", request.Query);
    }

    [Fact]
    public async Task Server_errors_are_retried_and_then_succeed()
    {
        int attempts = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
            Interlocked.Increment(ref attempts) < 3
                ? OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.Error("busy", "server_error"), 503)
                : OpenAIReplies.WriteJsonAsync(context, """{"status":"ok"}"""));

        Assert.True((await Client(proxy).CheckHealthAsync()).Value.IsHealthy);
        Assert.Equal(3, attempts);
    }

    [Fact]
    public async Task Invalid_queries_fail_before_anything_is_sent()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, "{}"));
        TokenlayClient tokenlay = Client(proxy);
        DateTimeOffset now = DateTimeOffset.UtcNow;

        var range = await Assert.ThrowsAsync<ArgumentException>(() => tokenlay.Usage.GetAsync(new TokenlayUsageQuery { Since = now, Until = now.AddDays(-1) }));
        Assert.Contains("after Until", range.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => tokenlay.Logs.GetPageAsync(new TokenlayLogQuery { PageSize = 0 }));
        await Assert.ThrowsAsync<ArgumentException>(() => tokenlay.Pricing.UpdateAsync(new Dictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenlayModelPrice(-1m, 0m));
        Assert.Equal(0, proxy.RequestCount);
    }

    [Fact]
    public void Only_the_tokenlay_key_is_required()
    {
        var error = Assert.Throws<ArgumentException>(() => new TokenlayClient(new TokenlayOptions()));
        Assert.Contains("TokenlayKey", error.Message);

        Assert.NotNull(new TokenlayClient(new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay }).Usage);
    }

    [Fact]
    public async Task The_client_can_be_mocked_by_overriding_its_virtual_members()
    {
        TokenlayClient mock = new FakeTokenlayClient();

        TokenlayUsage usage = await mock.Usage.GetAsync();

        Assert.Equal(42, usage.Totals.Requests);
    }

    [Fact]
    public void A_mocked_result_carries_its_value_and_a_raw_response_the_sdk_reads()
    {
        ClientResult<TokenlayUsage> result = TokenlayModelFactory.Result(
            new TokenlayUsage { Totals = new TokenlayUsageTotals { Requests = 7 } }, 200,
            new Dictionary<string, string> { ["x-tokenlay-request-id"] = "req_mock", ["X-Tokenlay-Cost"] = "0.25" },
            BinaryData.FromString("""{"totals":{"requests":7}}"""));

        TokenlayResponseInfo info = result.GetRawResponse().GetTokenlayInfo();

        Assert.Equal(7, result.Value.Totals.Requests);
        Assert.Equal(200, result.GetRawResponse().Status);
        Assert.Equal("req_mock", info.RequestId);
        Assert.Equal(0.25m, info.CostUsd); // header names ignore case, as HTTP's do
        Assert.Equal("""{"totals":{"requests":7}}""", result.GetRawResponse().Content.ToString());
    }

    [Fact]
    public void A_mocked_error_result_is_an_error_as_a_real_one_is()
    {
        Assert.True(TokenlayModelFactory.Result("x", 500).GetRawResponse().IsError);
        Assert.True(TokenlayModelFactory.Result("x", 404).GetRawResponse().IsError);
        Assert.False(TokenlayModelFactory.Result("x", 201).GetRawResponse().IsError);
        Assert.Throws<ArgumentOutOfRangeException>(() => TokenlayModelFactory.Result("x", 99));
    }

    [Fact]
    public void Bad_arguments_are_refused_before_sending_naming_the_parameter()
    {
        var tokenlay = new TokenlayClient(new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, TokenlayBaseUrl = new Uri("http://127.0.0.1:9/") });
        var price = new TokenlayModelPrice(1m, 2m);

        Assert.Equal("provider", Assert.Throws<ArgumentNullException>(() => tokenlay.Pricing.Update(null!, "m", price)).ParamName);
        Assert.Equal("model", Assert.Throws<ArgumentException>(() => tokenlay.Pricing.Update("openai", " ", price)).ParamName);
        Assert.Equal("overrides", Assert.Throws<ArgumentNullException>(() => tokenlay.Pricing.Update((IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>>)null!)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentOutOfRangeException>(() => tokenlay.Keys.ListAsync(new TokenlayKeyQuery { PageSize = 101 })).ParamName);
        Assert.Equal("page", Assert.Throws<ArgumentNullException>(() => tokenlay.Logs.ListAsync().GetContinuationToken(null!)).ParamName);
    }

    private sealed class FakeTokenlayClient : TokenlayClient
    {
        public override TokenlayUsageClient Usage { get; } = new FakeUsage();

        private sealed class FakeUsage : TokenlayUsageClient
        {
            public override Task<ClientResult<TokenlayUsage>> GetAsync(TokenlayUsageQuery? query = null, CancellationToken cancellationToken = default) =>
                Task.FromResult(TokenlayModelFactory.Result(new TokenlayUsage { Totals = new TokenlayUsageTotals { Requests = 42 } }));
        }
    }
}
