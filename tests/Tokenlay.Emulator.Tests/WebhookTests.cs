using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tokenlay.Emulator.Tests;

public class WebhookTests
{
    [Fact]
    public async Task A_limit_hit_sends_a_signed_webhook_that_the_sdk_verifies()
    {
        var received = Channel.CreateUnbounded<(string Body, string Signature)>();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using WebApplication receiver = builder.Build();
        receiver.MapPost("/hooks", async (HttpRequest request) =>
        {
            string body = await new StreamReader(request.Body).ReadToEndAsync();
            await received.Writer.WriteAsync((body, request.Headers[TokenlayWebhooks.SignatureHeader].ToString()));
            return Results.Ok();
        });
        await receiver.StartAsync();
        string hookUrl = receiver.Urls.First() + "/hooks";

        await using TokenlayEmulator emulator = await Emu.StartAsync($$"""
            [{ "id": "capped", "if": {}, "then": {
                "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ],
                "notify": [ { "type": "webhook", "url": "{{hookUrl}}" } ] } }]
            """, o => o.WebhookSecret = "whsec_test_secret");
        var chat = Emu.Chat(emulator);
        await Emu.AsUser(chat, "hooked");
        await Assert.ThrowsAsync<TokenlayLimitExceededException>(() => Emu.AsUser(chat, "hooked"));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        (string body, string signature) = await received.Reader.ReadAsync(timeout.Token);
        var e = Assert.IsType<TokenlayLimitEvent>(TokenlayWebhooks.ConstructEvent(body, signature, "whsec_test_secret"));

        Assert.Equal(TokenlayWebhookEvent.LimitExceededType, e.Type);
        Assert.Equal("capped", e.RuleId);
        Assert.Equal("block", e.Action);
        Assert.Equal("hooked", e.User);
        Assert.Equal("requests", e.Limit!.Type);
        Assert.Throws<TokenlayWebhookSignatureException>(() => TokenlayWebhooks.ConstructEvent(body, signature, "whsec_other"));
    }
}
