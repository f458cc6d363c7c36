using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, item 4: in --forward the provider's usage is checked before it is metered.</summary>
public class ForwardedUsageTests
{
    /// <summary>A provider that answers every chat call with the usage object it is given.</summary>
    private static async Task<WebApplication> LyingProviderAsync(JsonNode? usage)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        WebApplication app = builder.Build();
        app.MapPost("/v1/chat/completions", () => Results.Text(new JsonObject
        {
            ["id"] = "chatcmpl-x", ["object"] = "chat.completion", ["created"] = 0, ["model"] = "gpt-4o-mini",
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0, ["finish_reason"] = "stop",
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = "a short and honest answer" },
            }),
            ["usage"] = usage?.DeepClone(),
        }.ToJsonString(), "application/json"));
        await app.StartAsync();
        return app;
    }

    private static async Task<HttpResponseMessage> CallThrough(HttpClient http, WebApplication provider, string user)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Emu.Json("""{"model":"gpt-4o-mini","max_tokens":10,"messages":[{"role":"user","content":"what is the weather like on the moon today"}]}"""),
        };
        request.Headers.Add("x-tokenlay-provider-key", "sk-provider");
        request.Headers.Add("x-tokenlay-provider-base", provider.Urls.First() + "/v1");
        request.Headers.Add("x-tokenlay-user", user);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Negative_usage_is_replaced_by_our_own_count_and_cannot_buy_headroom()
    {
        await using WebApplication provider = await LyingProviderAsync(JsonNode.Parse("""{"prompt_tokens": -5000000, "completion_tokens": 3, "total_tokens": -4999997}"""));
        await using TokenlayEmulator proxy = await Emu.StartAsync("""
            [{ "id": "cap", "if": {}, "then": { "limits": [ { "type": "cost", "max": 0.00005, "window": "day", "per": "user" } ] } }]
            """, o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++)
        {
            statuses.Add((await CallThrough(http, provider, "mallory")).StatusCode);
        }

        CallLogEntry[] entries = proxy.Store.Snapshot().Where(e => e.Counted).ToArray();
        Assert.NotEmpty(entries);
        Assert.All(entries, e =>
        {
            Assert.Equal("estimated", e.UsageSource);
            Assert.True(e.InputTokens > 0 && e.OutputTokens > 0);
            Assert.True(e.CostUsd > 0);
        });
        JsonNode usage = await Calls.UsageAsync(http, "?user=mallory");
        Assert.True((decimal)usage["totals"]!["cost_usd"]! > 0);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses); // the cost rule still bites
        Assert.True((decimal)usage["totals"]!["cost_usd"]! <= 0.00005m);
    }

    [Theory]
    [InlineData("""{"prompt_tokens": 15, "completion_tokens": 6, "total_tokens": 21}""", "provider")]
    [InlineData("""{"prompt_tokens": 15, "completion_tokens": 90000000000, "total_tokens": 90000000015}""", "estimated")]
    [InlineData("""{"prompt_tokens": "15", "completion_tokens": 6}""", "estimated")]
    [InlineData(null, "estimated")]
    public async Task Plausible_usage_is_metered_as_reported_and_anything_else_as_estimated(string? usage, string source)
    {
        await using WebApplication provider = await LyingProviderAsync(usage is null ? null : JsonNode.Parse(usage));
        await using TokenlayEmulator proxy = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(proxy);

        HttpResponseMessage response = await CallThrough(http, provider, "u");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        CallLogEntry entry = Assert.Single(proxy.Store.Snapshot());
        Assert.Equal(source, entry.UsageSource);
        Assert.InRange(entry.OutputTokens, 1, 100);
    }
}
