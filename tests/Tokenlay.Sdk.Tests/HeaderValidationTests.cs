using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class HeaderValidationTests
{
    private const string SecretLookingValue = "value-with-secret-9f8e7d";

    [Theory]
    [InlineData("\r")]
    [InlineData("\n")]
    [InlineData("\0")]
    public void A_control_character_in_a_scope_value_is_refused_naming_the_key_not_the_value(string bad)
    {
        var error = Assert.Throws<ArgumentException>(() =>
            TokenlayScope.Begin(new TokenlayRequestContext { Metadata = { ["tenant"] = SecretLookingValue + bad + "x" } }));

        Assert.Contains("'tenant'", error.Message);
        Assert.DoesNotContain(SecretLookingValue, error.Message);
    }

    [Fact]
    public void A_control_character_in_a_named_property_is_refused_naming_the_property()
    {
        var error = Assert.Throws<ArgumentException>(() => TokenlayScope.Begin(new TokenlayRequestContext { User = "bob\r\nX-Injected: 1" }));

        Assert.Contains("'User'", error.Message);
        Assert.DoesNotContain("X-Injected", error.Message);
    }

    [Theory]
    [InlineData("bad\r\nname")]
    [InlineData("has space")]
    [InlineData("colon:")]
    [InlineData("")]
    public void An_invalid_header_name_is_refused(string name)
    {
        Assert.Throws<ArgumentException>(() => TokenlayScope.Begin(new TokenlayRequestContext { ExtraHeaders = { [name] = "v" } }));
    }

    [Fact]
    public async Task An_invalid_default_fails_at_client_creation_and_nothing_is_sent()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("x")));

        var error = Assert.Throws<ArgumentException>(() => TestKeys.Client(proxy, o => o.ExtraHeaders["X-Trace"] = "a\nb"));

        Assert.Contains("'X-Trace'", error.Message);
        Assert.Equal(0, proxy.RequestCount);
    }

    [Fact]
    public async Task Non_ascii_metadata_is_sent_as_percent_encoded_utf8_and_a_literal_percent_is_escaped()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("x")));
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "Zoë Ångström", Feature = "100%", ExtraHeaders = { ["X-Note"] = "50% née" } }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("Zo%C3%AB %C3%85ngstr%C3%B6m", proxy.LastRequest.Header("x-tokenlay-user"));
        Assert.Equal("Zoë Ångström", Uri.UnescapeDataString(proxy.LastRequest.Header("x-tokenlay-user")!));
        Assert.Equal("100%25", proxy.LastRequest.Header("x-tokenlay-feature"));
        Assert.Equal("50% n%C3%A9e", proxy.LastRequest.Header("x-note")); // verbatim headers only encode non-ASCII
    }
}
