using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Tokenlay.Companion;
using Tokenlay.Emulator.Tests.Fidelity;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>Issue 23 through the SDK: the blocklist, the typed 403, exports and the threshold event.</summary>
public class GuardrailsClientTests
{
    private const string LimitRule = """[{ "id": "r", "if": {}, "then": { "limits": [ { "type": "requests", "max": 100, "window": "day", "per": "user" } ] } }]""";

    private static TokenlayClient Client(TokenlayEmulator emulator) => CreditsClientTests.Client(emulator);

    [Fact]
    public async Task A_blocked_subject_gets_a_typed_403_through_the_OpenAI_library_not_a_limit_and_no_retry()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(LimitRule);
        TokenlayClient tokenlay = Client(emulator);
        DateTimeOffset until = DateTimeOffset.UtcNow.AddHours(1);
        TokenlayBlockEntry entry = await tokenlay.Blocklist.AddAsync("user:mallory", until, "card fraud");
        var attempts = new CountingPolicy(); // placed before the transport: counts attempts
        TokenlayOptions options = emulator.CreateClientOptions();
        options.MaxRetries = 3;
        ChatClient chat = TokenlayOpenAIClient.Create(options, o => o.AddPolicy(attempts, PipelinePosition.PerTry)).GetChatClient("gpt-4o-mini");

        var e = await Assert.ThrowsAsync<TokenlayBlockedException>(() => Emu.AsUser(chat, "mallory"));

        Assert.IsAssignableFrom<TokenlayPermissionDeniedException>(e);
        Assert.Equal(403, e.Status);
        Assert.Equal("subject_blocked", e.ErrorCode);
        Assert.Equal("user:mallory", e.Subject);
        Assert.Equal("card fraud", e.Reason);
        Assert.Equal(entry.Until, e.Until);
        Assert.NotNull(e.RetryAfter);
        Assert.Contains("blocklist", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, attempts.Count);
        Assert.Equal("user:mallory", entry.Subject);
        Assert.Equal(until.ToUnixTimeSeconds(), entry.Until!.Value.ToUnixTimeSeconds());
    }

    [Fact]
    public async Task A_check_says_blocked_and_why_and_records_and_reservations_are_refused_typed()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(LimitRule);
        TokenlayClient tokenlay = Client(emulator);
        await tokenlay.Blocklist.AddAsync("user:mallory", reason: "abuse");

        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "mallory" });
        TokenlayCheckResult other = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "trent" });

        Assert.False(check.Allowed);
        Assert.True(check.IsBlocked);
        Assert.Equal("abuse", check.Block!.Reason);
        Assert.Null(check.Block.Until);
        Assert.False(other.IsBlocked);
        await Assert.ThrowsAsync<TokenlayBlockedException>(() => tokenlay.Usage.RecordAsync(new TokenlayUsageRecord("gpt-4o-mini", 5, 5) { User = "mallory" }));
        await Assert.ThrowsAsync<TokenlayBlockedException>(() => tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o-mini") { User = "mallory", EstimatedInputTokens = 5, EstimatedOutputTokens = 5 }));
    }

    [Fact]
    public async Task The_blocklist_lists_lazily_by_subject_and_removes_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        for (int i = 0; i < 12; i++)
        {
            await tokenlay.Blocklist.AddAsync($"user:u{i:00}", reason: "r" + i);
        }

        List<TokenlayBlockEntryPage> pages = await tokenlay.Blocklist.ListAsync(pageSize: 5).GetRawPagesAsync()
            .Select(page => ((ClientResult<TokenlayBlockEntryPage>)page).Value).ToListAsync();
        List<TokenlayBlockEntry> all = await tokenlay.Blocklist.ListAsync().ToListAsync();
        List<TokenlayBlockEntry> one = await tokenlay.Blocklist.ListAsync("user:u03").ToListAsync();
        bool removed = await tokenlay.Blocklist.RemoveAsync("user:u03");
        bool again = await tokenlay.Blocklist.RemoveAsync("user:u03");

        Assert.Equal(new[] { 5, 5, 2 }, pages.Select(p => p.Data.Count));
        Assert.Equal(12, all.Select(e => e.Subject).Distinct().Count());
        Assert.Equal("r3", Assert.Single(one).Reason);
        Assert.True(removed);
        Assert.False(again);
        Assert.Equal(11, await tokenlay.Blocklist.ListAsync().CountAsync());
        Assert.Throws<ArgumentException>(() => { _ = tokenlay.Blocklist.AddAsync("mallory"); });
    }

    [Fact]
    public async Task The_log_export_copies_every_entry_in_the_fixed_columns_to_a_stream()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator);
        for (int i = 0; i < 60; i++)
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = i % 3 == 0 ? "alice" : "bob", Org = "acme", Feature = i % 2 == 0 ? "=HYPERLINK(\"x\")" : "chat" }))
            {
                await chat.CompleteChatAsync("question " + i);
            }
        }
        TokenlayClient tokenlay = Client(emulator);
        using var csv = new MemoryStream();
        using var jsonl = new MemoryStream();

        long bytes = await tokenlay.Logs.ExportAsync(null, csv, TokenlayExportFormat.Csv);
        await tokenlay.Logs.ExportAsync(new TokenlayLogQuery { User = "alice", Org = "acme" }, jsonl, TokenlayExportFormat.JsonLines);

        Assert.Equal(csv.Length, bytes);
        string[] lines = Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,request_id,user,org,plan,project,feature,model,model_used,input_tokens,output_tokens,cost_usd,status,rule_id,action,source", lines[0]);
        Assert.Equal(61, lines.Length); // every entry, not one page
        Assert.DoesNotContain(lines, l => l.Contains(",=HYPERLINK", StringComparison.Ordinal));
        JsonNode[] rows = Encoding.UTF8.GetString(jsonl.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToArray();
        Assert.Equal(20, rows.Length);
        Assert.All(rows, r => Assert.Equal("alice", (string?)r["user"]));
    }

    [Fact]
    public async Task The_usage_export_groups_by_the_names_given_and_a_bad_group_is_a_typed_400()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator);
        await Emu.AsUser(chat, "alice");
        await Emu.AsUser(chat, "alice");
        await Emu.AsUser(chat, "bob");
        TokenlayClient tokenlay = Client(emulator);
        using var csv = new MemoryStream();

        await tokenlay.Usage.ExportAsync(null, ["day", "user"], csv, TokenlayExportFormat.Csv);
        var bad = await Assert.ThrowsAsync<TokenlayValidationException>(() => tokenlay.Usage.ExportAsync(null, ["planet"], new MemoryStream(), TokenlayExportFormat.Csv));

        string[] lines = Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("day,user,requests,input_tokens,output_tokens,cost_usd", lines[0]);
        Assert.Equal(new[] { ",alice,2,", ",bob,1," }, lines.Skip(1).Select(l => l[10..(l.IndexOf(',', 11) + 3)]));
        Assert.Equal("group_by", bad.ErrorParam);
        Assert.Throws<ArgumentException>(() => { _ = tokenlay.Usage.ExportAsync(null, ["day", "day"], new MemoryStream(), TokenlayExportFormat.Csv); });
    }

    [Fact]
    public async Task An_export_is_sent_unbuffered_so_the_body_streams_into_the_destination()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await Emu.AsUser(Emu.Chat(emulator), "alice");
        var seen = new BufferingProbe();
        var options = new TokenlayClientOptions();
        options.AddPolicy(seen, PipelinePosition.PerTry);
        using var csv = new MemoryStream();

        await CreditsClientTests.Client(emulator, options).Logs.ExportAsync(null, csv, TokenlayExportFormat.Csv);

        Assert.Equal(new[] { false }, seen.BufferResponse);
        Assert.Equal(2, Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task A_threshold_webhook_from_the_emulator_is_constructed_as_a_typed_event()
    {
        var received = new List<string>();
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync(received);
        await using TokenlayEmulator emulator = await Emu.StartAsync($$"""
            [{ "id": "watched", "if": {}, "then": {
                "limits": [ { "type": "requests", "max": 4, "window": "day", "per": "user", "rolling": true, "alerts": [ { "at_percent": 50 } ] } ],
                "on_limit_exceeded": { "notify": [ { "type": "webhook", "url": "{{receiver.Url}}" } ] } } }]
            """);
        ChatClient chat = Emu.Chat(emulator);
        await Emu.AsUser(chat, "walt");
        await Emu.AsUser(chat, "walt");
        string payload = await FirstAsync(received);

        var e = Assert.IsType<TokenlayThresholdEvent>(TokenlayWebhooks.ConstructEvent(payload,
            TokenlayWebhooks.ComputeSignatureHeader(payload, emulator.Options.WebhookSecret, DateTimeOffset.UtcNow), emulator.Options.WebhookSecret));

        Assert.Equal(TokenlayWebhookEvent.LimitThresholdType, e.Type);
        Assert.Equal("watched", e.RuleId);
        Assert.Equal("user:walt", e.Subject);
        Assert.Equal(50m, e.Threshold);
        Assert.Equal("at_percent", e.ThresholdKind);
        Assert.Equal(4m, e.Max);
        Assert.Equal(2m, e.Current);
        Assert.Equal("requests", e.Limit!.Type);
        Assert.Equal("day", e.Limit.Window);
        Assert.True(e.Limit.Rolling);
        Assert.NotNull(e.WindowResetsAt);
    }

    [Fact]
    public void Credit_balance_webhooks_are_typed()
    {
        const string secret = "whsec_test";
        string payload = """{"id":"evt_1","type":"credits.exhausted","created":1764806400,"data":{"account":"user:alice","available":0,"threshold":0}}""";

        var e = Assert.IsType<TokenlayCreditBalanceEvent>(TokenlayWebhooks.ConstructEvent(payload, TokenlayWebhooks.ComputeSignatureHeader(payload, secret, DateTimeOffset.UtcNow), secret));

        Assert.True(e.IsExhausted);
        Assert.Equal("user:alice", e.Account);
        Assert.Equal(0m, e.Available);
    }

    private static async Task<string> FirstAsync(List<string> received)
    {
        for (int i = 0; i < 200; i++)
        {
            lock (received)
            {
                if (received.Count > 0)
                {
                    return received[0];
                }
            }
            await Task.Delay(25);
        }
        throw new TimeoutException("No webhook arrived.");
    }

    private sealed class BufferingProbe : PipelinePolicy
    {
        public List<bool> BufferResponse { get; } = [];

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            BufferResponse.Add(message.BufferResponse);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            BufferResponse.Add(message.BufferResponse);
            await ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
