using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Proxy;
using Tokenlay.Emulator.Upstream;

namespace Tokenlay.Emulator.Tests.Core;

/// <summary>The read, idempotency and settle stages alone: no Kestrel.</summary>
public sealed class StageTests
{
    private static ProxyCall Call(string json)
    {
        JsonObject body = JsonNode.Parse(json)!.AsObject();
        Assert.Null(RequestReader.Validate("chat/completions", body));
        return ProxyCall.Of("chat/completions", body, Encoding.UTF8.GetBytes(json), RequestMetadata.From(new List<KeyValuePair<string, string>>()));
    }

    [Fact]
    public void A_rule_s_parameters_make_a_new_call_whose_typed_fields_follow_the_body()
    {
        ProxyCall asked = Call("""{"model":"gpt-4o","max_tokens":50,"n":2,"messages":[{"role":"user","content":"hello there"}]}""");

        ProxyCall served = asked.With("gpt-4o-mini", JsonNode.Parse("""{"max_tokens": 10, "n": 1}""")!.AsObject());

        Assert.Equal(50, asked.MaxOutputTokens);
        Assert.Equal(2, asked.Choices);
        Assert.Equal("gpt-4o", (string?)asked.Body["model"]);
        Assert.Equal(10, served.MaxOutputTokens);
        Assert.Equal(1, served.Choices);
        Assert.Equal("gpt-4o-mini", (string?)served.Body["model"]);
        Assert.Equal(asked.InputTokens, served.InputTokens); // same tokenizer: counted once
        Assert.Same(asked, asked.With("gpt-4o", null));
    }

    [Fact]
    public void A_hold_s_cap_is_sent_in_the_field_the_model_understands()
    {
        ProxyCall plain = Call("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""");
        ProxyCall reasoning = Call("""{"model":"o3-mini","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(300, (long?)plain.WithOutputCap(300).Body["max_tokens"]);
        Assert.Equal(300, plain.WithOutputCap(300).MaxOutputTokens);
        Assert.Equal(300, (long?)reasoning.WithOutputCap(300).Body["max_completion_tokens"]);
        Assert.Null(plain.Body["max_tokens"]); // the original is untouched
    }

    [Fact]
    public void An_output_cap_from_a_rule_is_clamped_to_what_the_model_produces()
    {
        ProxyCall call = Call("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}""");

        ProxyCall served = call.With("gpt-4o-mini", JsonNode.Parse("""{"max_tokens": 999999999}""")!.AsObject());

        Assert.Equal(OutputCaps.For("gpt-4o-mini"), served.MaxOutputTokens);
    }

    [Fact]
    public void Provider_usage_above_the_cap_it_was_sent_is_not_believed()
    {
        ProxyCall call = Call("""{"model":"gpt-4o-mini","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}""");

        MeteredUsage honest = UsageSettlement.FromReply(new UpstreamReply(200, null, 10, 100, Reported: true, OutputText: "word word"), call, "gpt-4o-mini", 10);
        MeteredUsage inflated = UsageSettlement.FromReply(new UpstreamReply(200, null, 10, 100_000, Reported: true, OutputText: "word word"), call, "gpt-4o-mini", 10);

        Assert.Equal("provider", honest.Source);
        Assert.Equal("estimated", inflated.Source);
    }

    [Fact]
    public async Task An_answered_key_is_replayed_from_its_journal_after_a_restart_and_forgotten_at_its_lifetime()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
        var journal = new MemoryJournal();
        var first = new IdempotencyStore(clock, TimeSpan.FromHours(24), 100, journal, "proxy");
        var decision = (IdempotencyDecision.Proceed)await first.BeginAsync("k", "fp", CancellationToken.None);
        first.Complete(decision.Ticket, new StoredResponse(200, "application/json", [new("x-tokenlay-request-id", "req_1")], Encoding.UTF8.GetBytes("{}")));

        var second = new IdempotencyStore(clock, TimeSpan.FromHours(24), 100, journal, "proxy");
        IdempotencyDecision replay = await second.BeginAsync("k", "fp", CancellationToken.None);
        IdempotencyDecision other = await second.BeginAsync("k", "another body", CancellationToken.None);

        Assert.Equal("req_1", Assert.IsType<IdempotencyDecision.Replay>(replay).Response.Headers.Single().Value);
        Assert.IsType<IdempotencyDecision.Conflict>(other);
        clock.Advance(TimeSpan.FromHours(25));
        Assert.IsType<IdempotencyDecision.Proceed>(await second.BeginAsync("k", "fp", CancellationToken.None));
        Assert.Empty(journal.Load("proxy"));
    }

    private sealed class MemoryJournal : IIdempotencyJournal
    {
        private readonly Dictionary<(string, string), KeptAnswer> _kept = new();

        public IReadOnlyList<KeptAnswer> Load(string scope) => _kept.Where(p => p.Key.Item1 == scope).Select(p => p.Value).ToList();

        public void Kept(string scope, KeptAnswer answer) => _kept[(scope, answer.Key)] = answer;

        public void Freed(string scope, string key) => _kept.Remove((scope, key));
    }
}
