using System.Text;
using OpenAI;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>
/// The public "advanced" types the hosting packages are built on (they no longer read the core's
/// internals): a live settings source, a pre-resolved scope context and the retry rules.
/// </summary>
public class AdvancedApiTests
{
    private const string RotatedKey = "tl_test_rotated_fedcba9876543210";

    private static Task<FakeProxy> ProxyAsync() =>
        FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));

    [Fact]
    public async Task A_settings_source_update_reaches_the_next_call_of_a_client_built_from_it()
    {
        await using FakeProxy proxy = await ProxyAsync();
        var source = new TokenlaySettingsSource(TestKeys.Options(proxy));
        OpenAIClient client = TokenlayOpenAIClient.Create(source);

        await client.GetChatClient("m").CompleteChatAsync("hi");
        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));

        source.Update(TestKeys.Options(proxy, o => { o.TokenlayKey = RotatedKey; o.Metadata["team"] = "search"; }));
        await client.GetChatClient("m").CompleteChatAsync("hi");

        Assert.Equal("Bearer " + RotatedKey, proxy.LastRequest.Header("authorization"));
        Assert.Equal("search", proxy.LastRequest.Header("x-tokenlay-team"));
    }

    [Fact]
    public async Task A_bad_update_is_refused_and_the_last_good_settings_stay()
    {
        await using FakeProxy proxy = await ProxyAsync();
        var source = new TokenlaySettingsSource(TestKeys.Options(proxy), configurationPath: "Tokenlay");
        OpenAIClient client = TokenlayOpenAIClient.Create(source);

        var missing = Assert.Throws<ArgumentException>(() => source.Update(TestKeys.Options(proxy, o => o.TokenlayKey = null)));
        Assert.Contains("'Tokenlay:TokenlayKey'", missing.Message);
        var moved = Assert.Throws<InvalidOperationException>(() => source.Update(TestKeys.Options(proxy, o => o.TokenlayBaseUrl = new Uri("http://127.0.0.1:9/"))));
        Assert.Contains("keeps its endpoint", moved.Message);

        await client.GetChatClient("m").CompleteChatAsync("hi");
        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));
        Assert.DoesNotContain(TestKeys.Tokenlay, source.ToString());
        Assert.DoesNotContain(TestKeys.Provider, source.ToString());
    }

    [Fact]
    public async Task A_resolved_context_applies_like_the_context_it_came_from_and_shows_no_value()
    {
        await using FakeProxy proxy = await ProxyAsync();
        OpenAIClient client = TestKeys.Client(proxy);
        TokenlayResolvedContext outer = TokenlayResolvedContext.FromContext(new TokenlayRequestContext { User = "alice", Feature = "search", ProviderApiKey = TestKeys.CustomerProvider });
        TokenlayResolvedContext inner = TokenlayResolvedContext.FromContext(new TokenlayRequestContext { Feature = "summarize" });

        using (TokenlayScope.Begin(outer.Overlay(inner)))
        {
            await client.GetChatClient("m").CompleteChatAsync("hi");
        }

        Assert.Equal("alice", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Equal("summarize", proxy.LastRequest.Header("x-tokenlay-feature"));
        Assert.DoesNotContain("alice", outer.ToString());
        Assert.DoesNotContain(TestKeys.CustomerProvider, outer.ToString());
        Assert.Throws<ArgumentException>(() => TokenlayResolvedContext.FromContext(new TokenlayRequestContext { ExtraHeaders = { ["x-tokenlay-provider-key"] = "x" } }));
    }

    [Theory]
    [InlineData("5", null, 5_000d)]
    [InlineData("5", "250", 250d)]
    [InlineData("NaN", "-1", null)]
    [InlineData("1e300", null, null)]
    [InlineData(null, null, null)]
    public void The_retry_rules_read_a_wait_as_the_sdk_does(string? retryAfter, string? milliseconds, double? expectedMs) =>
        Assert.Equal(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, TokenlayRetryRules.GetRetryAfter(retryAfter, milliseconds));

    [Fact]
    public void The_retry_rules_tell_a_limit_refusal_from_a_plain_rate_limit()
    {
        Assert.True(TokenlayRetryRules.IsLimitRefusal(Encoding.UTF8.GetBytes("""{"error":{"message":"m","type":"limit_exceeded","code":"limit_exceeded"}}""")));
        Assert.False(TokenlayRetryRules.IsLimitRefusal(Encoding.UTF8.GetBytes("""{"error":{"message":"slow down","type":"rate_limit_error"}}""")));
        Assert.False(TokenlayRetryRules.IsLimitRefusal(Encoding.UTF8.GetBytes("<html>busy</html>")));
    }
}
