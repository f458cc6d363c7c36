using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>Limits.RunMeteredAsync (credly's captureUsage, on reservations): its four endings against a credit account.</summary>
public class RunMeteredTests
{
    // The default rate (100 credits per USD): the emulator's reservations price credits from the estimate's cost.
    private static Task<TokenlayEmulator> StartAsync() => Emu.StartAsync("""[{ "id": "paid", "if": {}, "then": { "credits": { "per": "user" } } }]""");

    private static TokenlayReservationRequest Job(string user) =>
        new("gpt-4o-mini") { User = user, EstimatedInputTokens = 100, EstimatedOutputTokens = 100 };

    [Fact]
    public async Task Work_that_fits_runs_and_its_actual_usage_is_committed_and_the_rest_released()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = CreditsClientTests.Client(emulator);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:ann", 1000m));
        decimal? availableDuringWork = null;

        TokenlayMeteredResult<string> result = await tokenlay.Limits.RunMeteredAsync(Job("ann"), async (reservation, ct) =>
        {
            availableDuringWork = (await tokenlay.Credits.GetAccountAsync("user:ann", ct)).Value.Available;
            return "summary";
        }, _ => (30, 12));

        Assert.Equal(TokenlayMeteredStatus.Succeeded, result.Status);
        Assert.Equal("summary", result.Value);
        Assert.Null(result.Exception);
        Assert.NotNull(result.Commit);
        Assert.True(availableDuringWork < 1000m, "the estimate is held while the work runs");
        TokenlayCreditAccount account = await tokenlay.Credits.GetAccountAsync("user:ann");
        TokenlayCreditTransaction burn = await tokenlay.Credits.ListTransactionsAsync("user:ann", new TokenlayCreditTransactionQuery { Type = "burn" }).SingleAsync();
        Assert.True(burn.Amount < 0);
        Assert.Equal(1000m + burn.Amount, account.Available);
        Assert.True(account.Available > availableDuringWork, "the actual usage is less than the estimate: the rest was released");
        Assert.Equal(0m, account.Held);
    }

    [Fact]
    public async Task Work_the_balance_cannot_hold_for_is_refused_and_never_runs()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = CreditsClientTests.Client(emulator);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:ben", 0.0001m));
        bool ran = false;

        TokenlayMeteredResult<int> result = await tokenlay.Limits.RunMeteredAsync(Job("ben"), (_, _) =>
        {
            ran = true;
            return Task.FromResult(1);
        }, _ => (1, 1));

        Assert.Equal(TokenlayMeteredStatus.Refused, result.Status);
        Assert.False(ran);
        var refusal = Assert.IsType<TokenlayInsufficientCreditsException>(result.Exception);
        Assert.Equal("user:ben", refusal.Account);
        Assert.Null(result.Reservation);
        await Assert.ThrowsAsync<TokenlayInsufficientCreditsException>(() => Task.FromResult(result.GetValueOrThrow()));
        Assert.Equal(0.0001m, (await tokenlay.Credits.GetAccountAsync("user:ben")).Value.Available);
    }

    [Fact]
    public async Task A_blocked_subject_is_refused_too()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = CreditsClientTests.Client(emulator);
        await tokenlay.Blocklist.AddAsync("user:bea");

        TokenlayMeteredResult<int> result = await tokenlay.Limits.RunMeteredAsync(Job("bea"), (_, _) => Task.FromResult(1), _ => (1, 1));

        Assert.Equal(TokenlayMeteredStatus.Refused, result.Status);
        Assert.IsType<TokenlayBlockedException>(result.Exception);
    }

    [Fact]
    public async Task Work_that_throws_is_released_and_nothing_is_metered()
    {
        await using TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = CreditsClientTests.Client(emulator);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:cat", 1000m));

        TokenlayMeteredResult<int> result = await tokenlay.Limits.RunMeteredAsync<int>(Job("cat"), (_, _) => throw new InvalidOperationException("model crashed"), _ => (1, 1));

        Assert.Equal(TokenlayMeteredStatus.Failed, result.Status);
        Assert.Equal("model crashed", Assert.IsType<InvalidOperationException>(result.Exception).Message);
        Assert.Null(result.ReleaseException);
        TokenlayCreditAccount account = await tokenlay.Credits.GetAccountAsync("user:cat");
        Assert.Equal(1000m, account.Available);
        Assert.Equal(0m, account.Held);
    }

    [Fact]
    public async Task Work_that_throws_when_the_release_cannot_reach_Tokenlay_says_the_hold_was_not_released()
    {
        TokenlayEmulator emulator = await StartAsync();
        TokenlayClient tokenlay = CreditsClientTests.Client(emulator);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:dot", 1000m));

        TokenlayMeteredResult<int> result = await tokenlay.Limits.RunMeteredAsync<int>(Job("dot"), async (_, _) =>
        {
            await emulator.DisposeAsync(); // Tokenlay goes away while the job runs
            throw new TimeoutException("the job timed out");
        }, _ => (1, 1));

        Assert.Equal(TokenlayMeteredStatus.FailedAndNotReleased, result.Status);
        Assert.IsType<TimeoutException>(result.Exception);
        Assert.IsAssignableFrom<TokenlayException>(result.ReleaseException);
        Assert.NotNull(result.Reservation);
    }

    [Fact]
    public void The_model_factory_builds_a_result_for_tests_of_callers()
    {
        TokenlayMeteredResult<string> result = TokenlayModelFactory.MeteredResult(TokenlayMeteredStatus.Succeeded, "ok");

        Assert.True(result.Succeeded);
        Assert.Equal("ok", result.GetValueOrThrow());
    }
}
