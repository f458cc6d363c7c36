namespace Tokenlay.Emulator.Tests.Budgets;

/// <summary>Issue 25, item 10: a budget request's named properties and its Metadata merge key by key, as in a scope.</summary>
public class BudgetMetadataTests
{
    private const string PerUser = """
        [{ "id": "per-user", "if": {}, "then": { "limits": [ { "type": "requests", "max": 5, "window": "day", "per": "user" } ] } }]
        """;

    [Fact]
    public async Task User_and_Metadata_user_together_send_valid_json_and_the_named_property_wins()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(PerUser);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());
        var request = new TokenlayCheckRequest("gpt-4o-mini") { User = "alice", Metadata = { ["user"] = "bob", ["tier"] = "gold" } };

        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(request);
        TokenlayRecordResult recorded = await tokenlay.Usage.RecordAsync(
            new TokenlayUsageRecord("gpt-4o-mini", inputTokens: 10, outputTokens: 5) { User = "alice", Metadata = { ["USER"] = "bob" } });

        Assert.Equal("alice", Assert.Single(check.Limits).Key);
        Assert.Equal("alice", recorded.Entry.User);
    }

    [Theory]
    [InlineData("provider-key")]
    [InlineData("idempotency-key")]
    [InlineData("reservation")]
    public async Task A_reserved_metadata_name_is_refused_naming_the_entry(string name)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { Metadata = { [name] = "sk-should-not-appear" } }));

        Assert.Contains($"'{name}'", error.Message);
        Assert.DoesNotContain("sk-should-not-appear", error.Message);
        Assert.Empty(emulator.Store.Snapshot());
    }
}
