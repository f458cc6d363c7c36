using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI.Chat;
using Tokenlay.Companion;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>Issue 21 through the SDK: TokenlayClient.Credits, the 402 refusal, credits in the response info, RunMeteredAsync.</summary>
public class CreditsClientTests
{
    // One credit per token makes every figure readable.
    private static readonly Dictionary<string, ModelPrice> s_creditPerToken = new(StringComparer.OrdinalIgnoreCase) { ["gpt-4o-mini"] = new ModelPrice(1_000_000, 1_000_000) };

    private const string CreditRule = """[{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" } } }]""";

    internal static Task<TokenlayEmulator> StartAsync(string rules = CreditRule) => Emu.StartAsync(rules, o => o.ModelCreditRates = s_creditPerToken);

    internal static TokenlayClient Client(TokenlayEmulator emulator, TokenlayClientOptions? options = null, int maxRetries = 0) =>
        new(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl, MaxRetries = maxRetries }, options);

    [Fact]
    public async Task A_grant_a_call_and_the_balance_agree_and_the_history_shows_both()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = Client(emulator);

        TokenlayCreditGrant grant = await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:alice", 1000m) { Description = "welcome", Priority = 5 });
        ClientResult<ChatCompletion> call = await Emu.AsUser(Emu.Chat(emulator), "alice", "hello");
        TokenlayResponseInfo info = call.GetRawResponse().GetTokenlayInfo();
        TokenlayCreditAccount account = await tokenlay.Credits.GetAccountAsync("user:alice");
        List<TokenlayCreditTransaction> history = await tokenlay.Credits.ListTransactionsAsync("user:alice").Where(t => t.Type != "release").ToListAsync();

        Assert.Equal("user:alice", grant.Account);
        Assert.Equal(1000m, grant.Amount);
        Assert.Equal(5, grant.Priority);
        Assert.Equal(info.TokensUsed, (long?)info.CreditsUsed);
        Assert.Equal(1000m - info.CreditsUsed, info.CreditsRemaining);
        Assert.Equal(info.CreditsRemaining, account.Available);
        Assert.Equal(0m, account.Held);
        Assert.Equal(grant.Id, Assert.Single(account.Grants).Id);
        Assert.Equal(new[] { "burn", "grant" }, history.Select(t => t.Type));
        Assert.Equal(-info.CreditsUsed, history[0].Amount);
        Assert.Equal(info.RequestId, history[0].LogId);
        Assert.Equal(account.Settled, history[0].BalanceAfter);
    }

    [Fact]
    public async Task A_call_the_balance_cannot_pay_for_is_a_typed_402_through_the_OpenAI_library_and_is_not_retried()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        await Client(emulator).Credits.GrantAsync(new TokenlayCreditGrantRequest("user:bob", 5m));
        var attempts = new CountingPolicy(); // placed before the transport: counts attempts
        TokenlayOptions options = emulator.CreateClientOptions();
        options.MaxRetries = 3;
        // The retry layer under test is the SDK's own pipeline; count what reaches the wire.
        ChatClient chat = TokenlayOpenAIClient.Create(options, o => o.AddPolicy(attempts, PipelinePosition.PerTry)).GetChatClient("gpt-4o-mini");

        var e = await Assert.ThrowsAsync<TokenlayInsufficientCreditsException>(() => Emu.AsUser(chat, "bob", "hello there, a long question"));

        Assert.Equal(402, e.Status);
        Assert.Equal("insufficient_credits", e.ErrorCode);
        Assert.Equal("user:bob", e.Account);
        Assert.Equal(5m, e.Available);
        Assert.True(e.Required > 5m);
        Assert.IsNotType<TokenlayLimitExceededException>(e); // the rule-action block header is not a limit
        Assert.Equal(1, attempts.Count);
    }

    [Fact]
    public async Task A_model_with_no_price_on_a_credit_account_is_a_typed_402()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(CreditRule, o =>
        {
            o.ModelCreditRates = s_creditPerToken;
            o.ExtraModels = ["acme-llm-7b"];
        });
        await Client(emulator).Credits.GrantAsync(new TokenlayCreditGrantRequest("user:carol", 1000m));

        var e = await Assert.ThrowsAsync<TokenlayInsufficientCreditsException>(() => Emu.AsUser(Emu.Chat(emulator, "acme-llm-7b"), "carol"));

        Assert.Equal(TokenlayInsufficientCreditsException.UnpricedModelCode, e.ErrorCode);
    }

    [Fact]
    public async Task A_stream_reports_its_credits_through_the_summary()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        await Client(emulator).Credits.GrantAsync(new TokenlayCreditGrantRequest("user:dan", 1000m));
        TokenlayResponseInfo? reported = null;

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "dan", OnResponse = i => reported = i }))
        {
            await foreach (StreamingChatCompletionUpdate _ in Emu.Chat(emulator).CompleteChatStreamingAsync("stream this please"))
            {
            }
        }

        Assert.NotNull(reported);
        Assert.NotNull(reported!.CreditsUsed);
        Assert.Equal(reported.TokensUsed, (long?)reported.CreditsUsed);
        Assert.Equal(1000m - reported.CreditsUsed, reported.CreditsRemaining);
        Assert.Equal(reported.CreditsRemaining, (await Client(emulator).Credits.GetAccountAsync("user:dan")).Value.Available);
    }

    [Fact]
    public async Task The_history_pages_lazily_newest_first_each_transaction_once()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:erin", 100m));
        for (int i = 1; i <= 24; i++)
        {
            await tokenlay.Credits.AdjustAsync("user:erin", i % 2 == 0 ? i : -i, $"correction {i}");
        }

        List<TokenlayCreditTransactionPage> pages = await tokenlay.Credits.ListTransactionsAsync("user:erin", new TokenlayCreditTransactionQuery { PageSize = 10 }).GetRawPagesAsync()
            .Select(page => ((ClientResult<TokenlayCreditTransactionPage>)page).Value).ToListAsync();
        List<TokenlayCreditTransaction> adjustments = await tokenlay.Credits.ListTransactionsAsync("user:erin", new TokenlayCreditTransactionQuery { Type = "adjustment", PageSize = 7 }).ToListAsync();
        TokenlayCreditTransaction first = await tokenlay.Credits.ListTransactionsAsync("user:erin", new TokenlayCreditTransactionQuery { PageSize = 1 }).FirstAsync();

        Assert.Equal(new[] { 10, 10, 5 }, pages.Select(p => p.Data.Count));
        Assert.Null(pages[^1].NextCursor);
        List<TokenlayCreditTransaction> all = pages.SelectMany(p => p.Data).ToList();
        Assert.Equal(25, all.Select(t => t.Id).Distinct().Count());
        Assert.Equal("correction 24", all[0].Reason);
        Assert.Equal("grant", all[^1].Type);
        Assert.Equal(24, adjustments.Count);
        Assert.Equal(all.Sum(t => t.Amount), (await tokenlay.Credits.GetAccountAsync("user:erin")).Value.Settled);
        Assert.Equal(all[0].Id, first.Id);
    }

    [Fact]
    public async Task A_grant_sent_twice_with_one_key_is_granted_once()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        var request = new TokenlayCreditGrantRequest("user:fay", 250m) { IdempotencyKey = "invoice-42" };

        TokenlayCreditGrant first = await tokenlay.Credits.GrantAsync(request);
        TokenlayCreditGrant again = await tokenlay.Credits.GrantAsync(request);
        var conflict = await Assert.ThrowsAsync<TokenlayConflictException>(() =>
            tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:fay", 999m) { IdempotencyKey = "invoice-42" }));

        Assert.Equal(first.Id, again.Id);
        Assert.Equal(250m, (await tokenlay.Credits.GetAccountAsync("user:fay")).Value.Available);
        Assert.Equal("idempotency_key_reused", conflict.ErrorCode);
    }

    [Fact]
    public async Task A_grant_the_pipeline_retries_after_the_server_handled_it_is_granted_once()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        var options = new TokenlayClientOptions { RetryPolicy = new ClientRetryPolicy(maxRetries: 2) };
        var cut = new CutFirstAnswer();
        options.AddPolicy(cut, PipelinePosition.PerTry);
        TokenlayClient tokenlay = Client(emulator, options);

        TokenlayCreditGrant grant = await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:gus", 300m));

        Assert.Equal(2, cut.Attempts);
        Assert.Equal(300m, grant.Amount);
        TokenlayCreditAccount account = await tokenlay.Credits.GetAccountAsync("user:gus");
        Assert.Equal(300m, account.Available);
        Assert.Single(account.Grants);
    }

    [Fact]
    public async Task A_tier_is_upserted_listed_and_assigned_with_its_first_refill()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = Client(emulator);

        TokenlayCreditTier pro = await tokenlay.Credits.Tiers.UpsertAsync(new TokenlayCreditTier("pro", 10_000m, "month")
        {
            RolloverMax = 2_000m, Alerts = [TokenlayCreditAlert.BelowPercent(20), TokenlayCreditAlert.BelowCredits(100)],
        });
        IReadOnlyList<TokenlayCreditTier> tiers = (await tokenlay.Credits.Tiers.ListAsync()).Value;
        TokenlayCreditAccount account = await tokenlay.Credits.SetTierAsync("user:hal", "pro", resetBalance: true);
        TokenlayCreditTransaction refill = await tokenlay.Credits.ListTransactionsAsync("user:hal").FirstAsync();

        Assert.Equal(2_000m, pro.RolloverMax);
        Assert.Equal(new decimal?[] { 20m, null }, pro.Alerts.Select(a => a.BelowPercentOfAllocation));
        Assert.Equal("pro", Assert.Single(tiers).Id);
        Assert.Equal("month", tiers[0].Period);
        Assert.Equal("pro", account.Tier);
        Assert.Equal(10_000m, account.Available);
        Assert.NotNull(account.NextRefillAt);
        Assert.Equal("refill", refill.Type);
        await Assert.ThrowsAsync<TokenlayNotFoundException>(() => tokenlay.Credits.SetTierAsync("user:hal", "no-such-tier"));
    }

    [Fact]
    public async Task Bad_input_is_refused_before_anything_is_sent()
    {
        TokenlayClient tokenlay = new(new TokenlayOptions { TokenlayKey = "tl_test", TokenlayBaseUrl = new Uri("http://127.0.0.1:9") });

        Assert.Throws<ArgumentException>(() => { _ = tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("alice", 10m)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:alice", 0m)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = tokenlay.Credits.AdjustAsync("user:alice", 0m, "nothing"); });
        Assert.Throws<ArgumentException>(() => { _ = tokenlay.Credits.AdjustAsync("user:alice", 5m, " "); });
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await tokenlay.Credits.ListTransactionsAsync("user:alice", new TokenlayCreditTransactionQuery { PageSize = 0 }).FirstOrDefaultAsync());
    }

    [Fact]
    public async Task An_unknown_account_is_a_not_found()
    {
        await using TokenlayEmulator emulator = await StartAsync();

        var e = await Assert.ThrowsAsync<TokenlayNotFoundException>(() => Client(emulator).Credits.GetAccountAsync("user:nobody"));

        Assert.Equal("account_not_found", e.ErrorCode);
    }

    /// <summary>Lets the first attempt reach the server, then loses its answer as a cut connection would.</summary>
    private sealed class CutFirstAnswer : PipelinePolicy
    {
        public int Attempts { get; private set; }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex) =>
            ProcessAsync(message, pipeline, currentIndex).AsTask().GetAwaiter().GetResult();

        public override async ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            await ProcessNextAsync(message, pipeline, currentIndex);
            if (++Attempts == 1)
            {
                throw new IOException("The connection was reset after the server answered.");
            }
        }
    }
}
