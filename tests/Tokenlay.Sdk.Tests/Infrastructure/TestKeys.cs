using OpenAI;

namespace Tokenlay.Tests.Infrastructure;

public static class TestKeys
{
    public const string Tokenlay = "tl_test_0123456789abcdef";
    public const string Provider = "sk-test-provider-0123456789abcdef";
    public const string CustomerProvider = "sk-customer-byok-9876543210fedcba";

    public static TokenlayOptions Options(FakeProxy proxy, Action<TokenlayOptions>? configure = null)
    {
        var options = new TokenlayOptions
        {
            TokenlayKey = Tokenlay,
            ProviderApiKey = Provider,
            TokenlayBaseUrl = proxy.BaseUrl,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
        };
        configure?.Invoke(options);
        return options;
    }

    public static OpenAIClient Client(FakeProxy proxy, Action<TokenlayOptions>? configure = null) =>
        TokenlayOpenAIClient.Create(Options(proxy, configure));
}
