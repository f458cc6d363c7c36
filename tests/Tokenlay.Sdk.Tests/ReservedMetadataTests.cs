using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>Metadata and extra headers cannot be sent as the SDK's own control headers.</summary>
public class ReservedMetadataTests
{
    public static TheoryData<string> Reserved => new()
    {
        "provider-base", "provider-key", "idempotency-key", "reservation", "key", "Provider-Base",
        "x-tokenlay-provider-base", "X-TOKENLAY-PROVIDER-KEY",
    };

    [Theory]
    [MemberData(nameof(Reserved))]
    public void A_scope_with_reserved_metadata_is_refused_naming_the_key(string name)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TokenlayScope.Begin(new TokenlayRequestContext { Metadata = { [name] = "https://attacker.example/v1" } }));

        Assert.Contains($"'{name}'", error.Message);
        Assert.Contains("reserved", error.Message);
        Assert.DoesNotContain("attacker", error.Message);
    }

    [Theory]
    [InlineData("provider-base")]
    [InlineData("idempotency-key")]
    public void Client_options_with_reserved_metadata_are_refused_at_creation(string name)
    {
        var options = new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, Metadata = { [name] = "x" } };

        var error = Assert.Throws<ArgumentException>(() => TokenlayOpenAIClient.Create(options));

        Assert.Contains($"'{name}'", error.Message);
    }

    [Theory]
    [InlineData("x-tokenlay-provider-base")]
    [InlineData("x-tokenlay-idempotency-key")]
    [InlineData("Authorization")]
    public void Extra_headers_cannot_replace_control_headers(string name)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TokenlayScope.Begin(new TokenlayRequestContext { ExtraHeaders = { [name] = "x" } }));

        Assert.Contains($"'{name}'", error.Message);
    }

    [Fact]
    public async Task Ordinary_metadata_still_travels_as_x_tokenlay_headers()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        var chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { Metadata = { ["provider"] = "acme", ["base-plan"] = "gold" } }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("acme", proxy.LastRequest.Header("x-tokenlay-provider"));
        Assert.Equal("gold", proxy.LastRequest.Header("x-tokenlay-base-plan"));
        Assert.Equal(TokenlayOptions.DefaultProviderApiBase.OriginalString, proxy.LastRequest.Header("x-tokenlay-provider-base"));
    }
}
