using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

[Collection(nameof(EnvironmentVariables))]
public class OptionsTests
{
    private static TokenlayOptions Valid() => new() { TokenlayKey = TestKeys.Tokenlay, ProviderApiKey = TestKeys.Provider };

    [Fact]
    public void FromEnvironment_reads_the_four_variables()
    {
        using var env = new TemporaryEnvironment(new()
        {
            ["TOKENLAY_KEY"] = TestKeys.Tokenlay,
            ["PROVIDER_API_KEY"] = TestKeys.Provider,
            ["PROVIDER_API_BASE"] = "https://api.anthropic.com/v1",
            ["TOKENLAY_BASE_URL"] = "https://eu.tokenlay.example",
        });

        TokenlayOptions options = TokenlayOptions.FromEnvironment();

        Assert.Equal(TestKeys.Tokenlay, options.TokenlayKey);
        Assert.Equal(TestKeys.Provider, options.ProviderApiKey);
        Assert.Equal(new Uri("https://api.anthropic.com/v1"), options.ProviderApiBase);
        Assert.Equal(new Uri("https://eu.tokenlay.example"), options.TokenlayBaseUrl);
    }

    [Fact]
    public void FromEnvironment_refuses_a_base_url_that_is_not_a_url()
    {
        using var env = new TemporaryEnvironment(new() { ["TOKENLAY_BASE_URL"] = "not a url" });

        var error = Assert.Throws<ArgumentException>(TokenlayOptions.FromEnvironment);
        Assert.Contains("TOKENLAY_BASE_URL", error.Message);
    }

    [Fact]
    public void A_missing_tokenlay_key_fails_at_creation_naming_the_setting_and_the_variable()
    {
        var error = Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(new TokenlayOptions { ProviderApiKey = TestKeys.Provider }));

        Assert.Contains("TokenlayOptions.TokenlayKey", error.Message);
        Assert.Contains("TOKENLAY_KEY", error.Message);
    }

    [Fact]
    public async Task Without_a_provider_key_the_client_is_created_and_sends_no_provider_key_header()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        OpenAI.OpenAIClient client = TokenlayOpenAIClient.Create(new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, TokenlayBaseUrl = proxy.BaseUrl });

        await client.GetChatClient("m").CompleteChatAsync("hi");

        Assert.False(proxy.LastRequest.Headers.ContainsKey("x-tokenlay-provider-key"));
        Assert.Equal("Bearer " + TestKeys.Tokenlay, proxy.LastRequest.Header("authorization"));
    }

    [Fact]
    public void FromEnvironment_refuses_a_provider_base_that_is_not_a_url()
    {
        using var env = new TemporaryEnvironment(new() { ["PROVIDER_API_BASE"] = "api.openai.com" });

        var error = Assert.Throws<ArgumentException>(TokenlayOptions.FromEnvironment);
        Assert.Contains("PROVIDER_API_BASE", error.Message);
    }

    [Fact]
    public void Plain_http_to_a_remote_host_is_refused_because_the_provider_key_would_travel_in_clear()
    {
        TokenlayOptions options = Valid();
        options.TokenlayBaseUrl = new Uri("http://tokenlay.internal.example");

        var error = Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(options));
        Assert.Contains("AllowInsecureHttp", error.Message);

        options.AllowInsecureHttp = true;
        Assert.NotNull(TokenlayOpenAIClient.Create(options));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8787")]
    [InlineData("http://localhost:8787")]
    [InlineData("https://api.tokenlay.com")]
    public void Https_and_loopback_http_are_accepted(string url)
    {
        TokenlayOptions options = Valid();
        options.TokenlayBaseUrl = new Uri(url);

        Assert.Equal(new Uri(url.TrimEnd('/') + "/v1"), TokenlayOpenAIClient.Create(options).GetChatClient("m").Endpoint);
    }

    [Fact]
    public void The_default_endpoint_is_tokenlay_production()
    {
        Assert.Equal(new Uri("https://api.tokenlay.com/v1"), TokenlayOpenAIClient.Create(Valid()).GetChatClient("m").Endpoint);
    }

    [Fact]
    public void Invalid_numbers_and_provider_base_are_refused_with_the_setting_named()
    {
        Assert.Contains("MaxRetries", Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(With(o => o.MaxRetries = -1))).Message);
        Assert.Contains("NetworkTimeout", Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(With(o => o.NetworkTimeout = TimeSpan.Zero))).Message);
        Assert.Contains("ProviderApiBase", Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(With(o => o.ProviderApiBase = new Uri("api.openai.com", UriKind.Relative)))).Message);

        static TokenlayOptions With(Action<TokenlayOptions> change)
        {
            TokenlayOptions options = Valid();
            change(options);
            return options;
        }
    }

    [Fact]
    public void ToString_never_shows_a_key()
    {
        TokenlayOptions options = Valid();
        options.Metadata["user"] = "u1";
        var context = new TokenlayRequestContext { User = "u2", ProviderApiKey = TestKeys.CustomerProvider };

        string text = options.ToString() + context.ToString();

        Assert.DoesNotContain(TestKeys.Tokenlay, text);
        Assert.DoesNotContain(TestKeys.Provider, text);
        Assert.DoesNotContain(TestKeys.CustomerProvider, text);
        Assert.Contains("redacted", text);
        Assert.Contains("user", text);
    }

    [Fact]
    public void Changing_options_after_creation_does_not_change_the_client()
    {
        TokenlayOptions options = Valid();
        OpenAI.OpenAIClient client = TokenlayOpenAIClient.Create(options);
        options.TokenlayBaseUrl = new Uri("https://elsewhere.example");

        Assert.Equal(new Uri("https://api.tokenlay.com/v1"), client.GetChatClient("m").Endpoint);
    }
}
