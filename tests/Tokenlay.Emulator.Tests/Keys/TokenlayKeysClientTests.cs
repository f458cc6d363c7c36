using OpenAI.Chat;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22 end to end: the SDK's keys client and KeyRef, the real OpenAI library, the emulator in --forward, a provider that records what it got.</summary>
public sealed class TokenlayKeysClientTests : IAsyncLifetime
{
    private const string Secret = "sk-or-v1-customer-secret-0001";
    private const string Rotated = "sk-or-v1-customer-rotated-0002";

    private RecordingProvider _provider = null!;
    private TokenlayEmulator _emulator = null!;
    private TokenlayClient _tokenlay = null!;
    private ChatClient _chat = null!;

    public async Task InitializeAsync()
    {
        _provider = await RecordingProvider.StartAsync();
        _emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        _tokenlay = new TokenlayClient(_emulator.CreateClientOptions());
        // The app's own provider key is the emulator's placeholder: calls for a customer never send it.
        _chat = Emu.Chat(_emulator);
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        await _provider.DisposeAsync();
    }

    private async Task<TokenlayConnectedKey> ConnectAsync(string refId = "acme", string key = Secret) =>
        await _tokenlay.Keys.ConnectAsync(new TokenlayKeyConnection(refId, TokenlayKeyProvider.OpenAICompatible, key) { BaseUrl = new Uri(_provider.Base), Label = "OpenRouter" });

    private async Task<ChatCompletion> AsCustomerAsync(string refId)
    {
        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = refId, User = "alice" }))
        {
            return await _chat.CompleteChatAsync("Hello!");
        }
    }

    [Fact]
    public async Task A_connected_customer_key_serves_calls_made_with_key_ref_through_the_openai_library()
    {
        TokenlayConnectedKey key = await ConnectAsync();

        ChatCompletion reply = await AsCustomerAsync("acme");

        Assert.Equal("hello from the customer's provider", reply.Content[0].Text);
        Assert.Equal(TokenlayKeyStatus.Active, key.Status);
        Assert.Equal("0001", key.KeyHint);
        Assert.Equal("OpenRouter", key.Label);
        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal("Bearer " + Secret, call.Header("authorization"));
        TokenlayLogEntry entry = Assert.Single((await _tokenlay.Logs.GetPageAsync(new TokenlayLogQuery { KeyRef = "acme" })).Value.Data);
        Assert.Equal(key.Id, entry.KeyId);
        Assert.Equal("acme", entry.KeyRef);
        TokenlayUsage usage = await _tokenlay.Usage.GetAsync(new TokenlayUsageQuery { KeyRef = "acme" });
        Assert.Equal(1, usage.Totals.Requests);
        Assert.Equal("acme", Assert.Single(usage.ByKeyRef).KeyRef);
    }

    [Fact]
    public async Task Rotate_takes_effect_on_the_next_call_and_revoke_refuses_later_calls_with_a_typed_error()
    {
        TokenlayConnectedKey key = await ConnectAsync();
        await AsCustomerAsync("acme");

        TokenlayConnectedKey rotated = await _tokenlay.Keys.RotateAsync(key.Id, Rotated);
        await AsCustomerAsync("acme");
        TokenlayConnectedKey revoked = await _tokenlay.Keys.RevokeAsync(key.Id);
        TokenlayConnectedKey again = await _tokenlay.Keys.RevokeAsync(key.Id);
        TokenlayKeyNotConnectedException refused = await Assert.ThrowsAsync<TokenlayKeyNotConnectedException>(() => AsCustomerAsync("acme"));

        Assert.Equal("0002", rotated.KeyHint);
        Assert.NotNull(rotated.RotatedAt);
        Assert.Equal(["Bearer " + Secret, "Bearer " + Rotated], _provider.Calls.Select(c => c.Header("authorization")));
        Assert.Equal(TokenlayKeyStatus.Revoked, revoked.Status);
        Assert.Equal(TokenlayKeyStatus.Revoked, again.Status);
        Assert.True(refused.IsRevoked);
        Assert.Equal("key_revoked", refused.ErrorCode);
        Assert.Equal(2, _provider.Calls.Count);
        var events = new List<string>();
        await foreach (TokenlayKeyEvent e in _tokenlay.Keys.ListEventsAsync(key.Id))
        {
            events.Add(e.Type);
            Assert.StartsWith("tlk_", e.Actor);
        }
        Assert.Equal(["connected", "validated", "used", "rotated", "validated", "revoked"], events);
    }

    [Fact]
    public async Task An_unknown_customer_is_a_TokenlayKeyNotConnectedException()
    {
        TokenlayKeyNotConnectedException refused = await Assert.ThrowsAsync<TokenlayKeyNotConnectedException>(() => AsCustomerAsync("nobody"));

        Assert.False(refused.IsRevoked);
        Assert.Equal(403, refused.Status);
        Assert.Equal(TokenlayErrorSource.Tokenlay, refused.ErrorSource);
    }

    [Fact]
    public async Task A_key_the_provider_refuses_is_a_validation_error_that_never_carries_the_key()
    {
        _provider.Refused[Secret] = true;

        TokenlayValidationException refused = await Assert.ThrowsAsync<TokenlayValidationException>(() => ConnectAsync());

        Assert.Equal("invalid_provider_key", refused.ErrorCode);
        Assert.Contains("Incorrect API key provided", refused.Message);
        Assert.DoesNotContain(Secret, refused.Message);
        Assert.DoesNotContain(Secret, refused.ToString());
        Assert.DoesNotContain(Secret, refused.GetRawResponse()!.Content.ToString());
    }

    [Fact]
    public async Task A_second_connect_for_the_customer_is_a_conflict()
    {
        await ConnectAsync();

        TokenlayConflictException conflict = await Assert.ThrowsAsync<TokenlayConflictException>(() => ConnectAsync(key: "sk-or-v1-another-key-0003"));

        Assert.Equal("key_already_connected", conflict.ErrorCode);
    }

    [Fact]
    public async Task Get_list_and_validate_never_return_the_secret()
    {
        TokenlayConnectedKey key = await ConnectAsync();
        await ConnectAsync("globex", "sk-or-v1-globex-secret-0009");

        TokenlayConnectedKey fetched = await _tokenlay.Keys.GetAsync(key.Id);
        TokenlayConnectedKey validated = await _tokenlay.Keys.ValidateAsync(key.Id);
        var listed = new List<TokenlayConnectedKey>();
        await foreach (TokenlayConnectedKey k in _tokenlay.Keys.ListAsync(new TokenlayKeyQuery { PageSize = 1 }))
        {
            listed.Add(k);
        }

        Assert.Equal(key.Id, fetched.Id);
        Assert.Equal("valid", validated.Validation!.Outcome);
        Assert.Equal(["acme", "globex"], listed.Select(k => k.RefId));
        Assert.Single(await ToListAsync(_tokenlay.Keys.ListAsync(new TokenlayKeyQuery { RefId = "globex" })));
        string everything = string.Join("\n", new[] { fetched, validated }.Concat(listed).Select(k => k.ToString()));
        Assert.DoesNotContain("secret", everything);
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (T item in items)
        {
            list.Add(item);
        }
        return list;
    }
}
