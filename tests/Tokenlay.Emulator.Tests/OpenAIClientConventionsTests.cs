using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using OpenAI;
using OpenAI.Chat;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests;

/// <summary>Conventions the official OpenAI SDKs rely on (request ids, retry hints, unique ids), held by the emulator.</summary>
public class OpenAIClientConventionsTests
{
    [Fact]
    public async Task A_rule_block_tells_the_openai_sdks_not_to_retry()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
        {
            Rules = RuleSet.Parse("""[{ "id": "one-only", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ] } }]""", "test"),
        });
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", emulator.Key);

        StringContent Body() => new("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json");
        HttpResponseMessage allowed = await http.PostAsync("/v1/chat/completions", Body());
        HttpResponseMessage blocked = await http.PostAsync("/v1/chat/completions", Body());

        Assert.False(allowed.Headers.Contains("x-should-retry"));

        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal("false", blocked.Headers.GetValues("x-should-retry").Single());
        Assert.Equal("block", blocked.Headers.GetValues("x-tokenlay-rule-action").Single());
    }

    [Fact]
    public async Task Every_answer_carries_x_request_id_equal_to_tokenlays_request_id()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", emulator.Key);

        foreach (HttpResponseMessage response in new[]
        {
            await http.PostAsync("/v1/chat/completions", new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""", System.Text.Encoding.UTF8, "application/json")),
            await http.GetAsync("/v1/models"),
            await http.GetAsync("/v1/no-such-route"),
        })
        {
            string id = response.Headers.GetValues("x-request-id").Single();
            Assert.StartsWith("req_", id);
            Assert.Equal(response.Headers.GetValues("x-tokenlay-request-id").Single(), id);
        }
    }

    [Fact]
    public async Task Identical_requests_get_the_same_reply_under_different_completion_ids()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        ChatClient chat = TokenlayOpenAIClient.Create(emulator.CreateClientOptions()).GetChatClient("gpt-4o-mini");

        ChatCompletion first = await chat.CompleteChatAsync("same question");
        ChatCompletion second = await chat.CompleteChatAsync("same question");

        Assert.Equal(first.Content[0].Text, second.Content[0].Text);
        Assert.NotEqual(first.Id, second.Id);
        Assert.StartsWith("chatcmpl-", first.Id);
    }

    [Fact]
    public async Task A_call_missing_the_field_a_limit_is_counted_per_gets_a_warning_naming_it()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
        {
            Rules = RuleSet.Parse("""[{ "id": "per-user", "if": {}, "then": { "limits": [ { "type": "requests", "max": 100, "window": "day", "per": "user" } ] } }]""", "test"),
        });
        ChatClient chat = TokenlayOpenAIClient.Create(emulator.CreateClientOptions()).GetChatClient("gpt-4o-mini");

        // Tokenlay's JS SDK convention sends metadata.userId as x-tokenlay-userId: not the 'user' the rule counts per.
        ClientResult<ChatCompletion> anonymous;
        using (TokenlayScope.Begin(new TokenlayRequestContext { Metadata = { ["userId"] = "u1" } }))
        {
            anonymous = await chat.CompleteChatAsync("hi");
        }
        ClientResult<ChatCompletion> attributed;
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "u1" }))
        {
            attributed = await chat.CompleteChatAsync("hi");
        }

        string warning = Assert.Single(anonymous.GetTokenlayInfo().Warnings);
        Assert.Contains("per 'user'", warning);
        Assert.Contains("x-tokenlay-user", warning);
        Assert.Empty(attributed.GetTokenlayInfo().Warnings);
    }
}
