using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Tokenlay.Companion;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>Issue 22 in the SDK: TokenlayRequestContext.KeyRef, the keys client and its errors, against a fake proxy.</summary>
public class KeyRefTests
{
    private static Task<FakeProxy> StartOkProxy() => FakeProxy.StartAsync((context, _) =>
        OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));

    private static TokenlayClient Companion(FakeProxy proxy) => new(new TokenlayOptions
    {
        TokenlayKey = TestKeys.Tokenlay,
        TokenlayBaseUrl = proxy.BaseUrl,
        InitialRetryDelay = TimeSpan.FromMilliseconds(5),
    });

    [Fact]
    public async Task A_key_ref_in_a_scope_is_sent_instead_of_the_clients_provider_key_and_base()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme", User = "alice" }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("acme", proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-provider-key"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-provider-base"));
        Assert.Equal("alice", proxy.LastRequest.Header("x-tokenlay-user"));
    }

    [Fact]
    public async Task After_the_scope_the_clients_provider_key_is_sent_again()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme" }))
        {
        }
        await chat.CompleteChatAsync("hi");

        Assert.Null(proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Equal(TestKeys.Provider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task A_provider_key_in_an_inner_scope_replaces_an_outer_key_ref()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme" }))
        using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Null(proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Equal(TestKeys.CustomerProvider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task An_inner_key_ref_replaces_an_outer_one_and_an_outer_provider_key()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider }))
        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "outer" }))
        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "inner", KeyProvider = TokenlayKeyProvider.Anthropic }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("inner", proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Equal("anthropic", proxy.LastRequest.Header("x-tokenlay-key-provider"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task A_key_provider_goes_only_with_a_key_ref_never_with_a_provider_key_that_replaced_it()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme", KeyProvider = TokenlayKeyProvider.Anthropic }))
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider }))
            {
                await chat.CompleteChatAsync("hi");
            }
            Assert.Null(proxy.LastRequest.Header("x-tokenlay-key-provider"));
            Assert.Null(proxy.LastRequest.Header("x-tokenlay-key-ref"));

            using (TokenlayScope.Begin(new TokenlayRequestContext { KeyProvider = TokenlayKeyProvider.OpenAI }))
            {
                await chat.CompleteChatAsync("hi");
            }
            Assert.Equal("acme", proxy.LastRequest.Header("x-tokenlay-key-ref"));
            Assert.Equal("openai", proxy.LastRequest.Header("x-tokenlay-key-provider"));
        }
    }

    [Fact]
    public async Task A_per_call_key_ref_wins_over_a_scopes_provider_key()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        var options = new RequestOptions().AddTokenlayContext(new TokenlayRequestContext { KeyRef = "per-call" });

        using (TokenlayScope.Begin(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider }))
        {
            await chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""")), options);
        }

        Assert.Equal("per-call", proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Null(proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public async Task A_per_call_provider_key_wins_over_a_scopes_key_ref()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");
        var options = new RequestOptions().AddTokenlayContext(new TokenlayRequestContext { ProviderApiKey = TestKeys.CustomerProvider });

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme" }))
        {
            await chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString("""{"model":"m","messages":[{"role":"user","content":"hi"}]}""")), options);
        }

        Assert.Null(proxy.LastRequest.Header("x-tokenlay-key-ref"));
        Assert.Equal(TestKeys.CustomerProvider, proxy.LastRequest.Header("x-tokenlay-provider-key"));
    }

    [Fact]
    public void A_context_with_both_a_key_ref_and_a_provider_key_is_refused_without_quoting_the_key()
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() =>
            TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme", ProviderApiKey = TestKeys.CustomerProvider }));

        Assert.Contains("KeyRef", refused.Message);
        Assert.Contains("ProviderApiKey", refused.Message);
        Assert.DoesNotContain(TestKeys.CustomerProvider, refused.Message);
    }

    [Theory]
    [InlineData("acme\r\nx-evil: 1")]
    [InlineData("")]
    public void A_key_ref_that_is_empty_or_splits_headers_is_refused_naming_it(string keyRef)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = keyRef }));

        Assert.Contains("RefId", refused.Message);
    }

    [Fact]
    public async Task A_non_ascii_key_ref_is_sent_percent_encoded()
    {
        await using FakeProxy proxy = await StartOkProxy();
        ChatClient chat = TestKeys.Client(proxy).GetChatClient("m");

        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "café 100%" }))
        {
            await chat.CompleteChatAsync("hi");
        }

        Assert.Equal("caf%C3%A9 100%25", proxy.LastRequest.Header("x-tokenlay-key-ref"));
    }

    [Fact]
    public void Key_ref_headers_cannot_be_forged_through_metadata_or_extra_headers()
    {
        Assert.Throws<ArgumentException>(() => TokenlayScope.Begin(new TokenlayRequestContext { Metadata = { ["key-ref"] = "someone-else" } }));
        Assert.Throws<ArgumentException>(() => TokenlayScope.Begin(new TokenlayRequestContext { ExtraHeaders = { ["x-tokenlay-key-ref"] = "someone-else" } }));
    }

    [Fact]
    public void The_contexts_description_names_the_key_ref()
    {
        string text = new TokenlayRequestContext { KeyRef = "acme", KeyProvider = TokenlayKeyProvider.AzureOpenAI }.ToString();

        Assert.Contains("KeyRef = acme", text);
        Assert.Contains("KeyProvider = azure-openai", text);
    }

    [Theory]
    [InlineData("key_not_connected", false)]
    [InlineData("key_revoked", true)]
    public async Task A_403_for_a_customer_without_a_usable_key_is_a_TokenlayKeyNotConnectedException(string code, bool revoked)
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
            return OpenAIReplies.WriteJsonAsync(context, $$$"""{"error":{"message":"No key for 'acme'.","type":"permission_error","code":"{{{code}}}","param":"x-tokenlay-key-ref"}}""", 403);
        });
        ChatClient chat = TestKeys.Client(proxy, o => o.MaxRetries = 0).GetChatClient("m");

        TokenlayKeyNotConnectedException error;
        using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme" }))
        {
            error = await Assert.ThrowsAsync<TokenlayKeyNotConnectedException>(() => chat.CompleteChatAsync("hi"));
        }

        Assert.IsAssignableFrom<TokenlayPermissionDeniedException>(error);
        Assert.IsAssignableFrom<ClientResultException>(error);
        Assert.Equal(403, error.Status);
        Assert.Equal(code, error.ErrorCode);
        Assert.Equal(revoked, error.IsRevoked);
        Assert.Equal(1, proxy.RequestCount); // a refusal is not retried
    }

    [Fact]
    public async Task Another_403_stays_a_plain_permission_error()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
            return OpenAIReplies.WriteJsonAsync(context, """{"error":{"message":"No.","type":"permission_error","code":"forbidden"}}""", 403);
        });

        TokenlayException error = await Assert.ThrowsAnyAsync<TokenlayException>(() => Companion(proxy).Keys.GetAsync("key_1"));

        Assert.Equal(typeof(TokenlayPermissionDeniedException), error.GetType());
    }

    [Fact]
    public async Task A_connect_sends_the_fields_and_one_idempotency_key_on_every_retry()
    {
        int calls = 0;
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, _) =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                return OpenAIReplies.WriteJsonAsync(context, """{"error":{"message":"busy","type":"server_error"}}""", 503);
            }
            return OpenAIReplies.WriteJsonAsync(context, """{"id":"key_1","ref_id":"acme","provider":"azure-openai","base_url":"https://r.openai.azure.com","key_hint":"0004","status":"active","created_at":"2026-12-01T10:00:00.000Z","last_validated_at":"2026-12-01T10:00:00.000Z","last_used_at":null,"config":{"deployment":"gpt4o","api_version":"2024-10-21"}}""", 201);
        });

        TokenlayConnectedKey key = await Companion(proxy).Keys.ConnectAsync(
            new TokenlayKeyConnection("acme", TokenlayKeyProvider.AzureOpenAI, "azure-secret-0004")
            {
                BaseUrl = new Uri("https://r.openai.azure.com"),
                Config = new TokenlayKeyConfig { Deployment = "gpt4o" },
                Label = "prod",
            });

        Assert.Equal(2, proxy.RequestCount);
        Assert.All(proxy.Requests, r => Assert.Equal("POST", r.Method));
        using JsonDocument first = JsonDocument.Parse(proxy.Requests[0].Body);
        using JsonDocument second = JsonDocument.Parse(proxy.Requests[1].Body);
        Assert.Equal(first.RootElement.GetProperty("idempotency_key").GetString(), second.RootElement.GetProperty("idempotency_key").GetString());
        Assert.Equal("acme", first.RootElement.GetProperty("ref_id").GetString());
        Assert.Equal("azure-openai", first.RootElement.GetProperty("provider").GetString());
        Assert.Equal("azure-secret-0004", first.RootElement.GetProperty("key").GetString());
        Assert.Equal("gpt4o", first.RootElement.GetProperty("config").GetProperty("deployment").GetString());
        Assert.Equal("prod", first.RootElement.GetProperty("label").GetString());
        Assert.Equal(TokenlayKeyProvider.AzureOpenAI, key.Provider);
        Assert.Equal(TokenlayKeyStatus.Active, key.Status);
        Assert.Equal("gpt4o", key.Config!.Deployment);
        Assert.Equal(new Uri("https://r.openai.azure.com"), key.BaseUrl);
        Assert.Null(key.LastUsedAt);
    }

    [Fact]
    public async Task A_server_that_echoes_the_customers_key_in_an_error_never_gets_it_into_the_exception()
    {
        const string Secret = "customer-secret-that-is-long-0004";
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
        {
            context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
            return OpenAIReplies.WriteJsonAsync(context, $$$"""{"error":{"message":"openai refused the key {{{Secret}}}","type":"invalid_request_error","code":"invalid_provider_key","param":"key"}}""", 400);
        });

        TokenlayValidationException connect = await Assert.ThrowsAsync<TokenlayValidationException>(() =>
            Companion(proxy).Keys.ConnectAsync(new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAI, Secret)));
        TokenlayValidationException rotate = await Assert.ThrowsAsync<TokenlayValidationException>(() =>
            Companion(proxy).Keys.RotateAsync("key_1", Secret));

        Assert.Equal("invalid_provider_key", connect.ErrorCode);
        Assert.DoesNotContain(Secret, connect.Message);
        Assert.DoesNotContain(Secret, rotate.Message);
        Assert.DoesNotContain(Secret, connect.ToString());
    }

    [Fact]
    public async Task The_protocol_connect_keeps_the_key_of_the_callers_own_body_out_of_the_exception()
    {
        const string Secret = "0123456789abcdef0123456789abcdef"; // no known key prefix: only knowing it redacts it
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
        {
            context.Response.Headers["x-tokenlay-error-source"] = "tokenlay";
            return OpenAIReplies.WriteJsonAsync(context, $$$"""{"error":{"message":"Azure refused key {{{Secret}}}","type":"invalid_request_error","code":"invalid_provider_key","param":"key"}}""", 400);
        });
        BinaryContent Body() => BinaryContent.Create(BinaryData.FromString($$"""{"ref_id":"acme","provider":"azure-openai","key":"{{Secret}}","base_url":"https://r.openai.azure.com"}"""));

        TokenlayValidationException connect = await Assert.ThrowsAsync<TokenlayValidationException>(() => Companion(proxy).Keys.ConnectAsync(Body(), null));
        TokenlayValidationException sync = Assert.Throws<TokenlayValidationException>(() => Companion(proxy).Keys.Connect(Body(), null));

        Assert.Equal("invalid_provider_key", connect.ErrorCode);
        Assert.DoesNotContain(Secret, connect.ToString());
        Assert.DoesNotContain(Secret, sync.ToString());
        Assert.Contains(Secret, proxy.LastRequest.Body); // the body itself went as written
    }

    [Fact]
    public void A_connection_and_a_connected_key_describe_themselves_without_the_secret()
    {
        var connection = new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAI, "sk-customer-secret-0001");
        TokenlayConnectedKey key = TokenlayModelFactory.ConnectedKey(refId: "acme", keyHint: "0001");

        Assert.DoesNotContain("customer-secret", connection.ToString());
        Assert.Contains("acme", connection.ToString());
        Assert.Contains("****0001", key.ToString());
    }

    [Theory]
    [InlineData("", "sk-12345678")]
    [InlineData("acme", "")]
    [InlineData("acme", "sk-1234\n5678")]
    [InlineData("ac\rme", "sk-12345678")]
    public void A_connection_with_an_empty_or_control_character_field_is_refused_without_quoting_the_key(string refId, string key)
    {
        ArgumentException refused = Assert.Throws<ArgumentException>(() => new TokenlayKeyConnection(refId, TokenlayKeyProvider.OpenAI, key));

        Assert.DoesNotContain("5678", refused.Message);
    }

    // Lazy enumeration (ListAsync) is covered against the emulator: IAsyncEnumerable cannot cross the netstandard2.0 build here.
    [Fact]
    public async Task A_page_of_keys_sends_the_filters_and_reads_the_next_cursor()
    {
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) => OpenAIReplies.WriteJsonAsync(context,
            """{"data":[{"id":"key_1","ref_id":"acme","provider":"openai","key_hint":"0001","status":"revoked","created_at":"2026-12-01T10:00:00Z"},{"id":"key_2","ref_id":"acme","provider":"openai","key_hint":"0002","status":"revoked","created_at":"2026-12-01T10:00:00Z"}],"next_cursor":"c2"}"""));

        TokenlayConnectedKeyPage page = await Companion(proxy).Keys.GetPageAsync(new TokenlayKeyQuery { RefId = "acme", Status = TokenlayKeyStatus.Revoked, PageSize = 2 }, "c1");

        Assert.Equal(["key_1", "key_2"], page.Data.Select(k => k.Id));
        Assert.Equal("c2", page.NextCursor);
        Assert.All(page.Data, k => Assert.Equal(TokenlayKeyStatus.Revoked, k.Status));
        Assert.Contains("ref_id=acme", proxy.LastRequest.Query);
        Assert.Contains("status=revoked", proxy.LastRequest.Query);
        Assert.Contains("limit=2", proxy.LastRequest.Query);
        Assert.Contains("cursor=c1", proxy.LastRequest.Query);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Companion(proxy).Keys.GetPageAsync(new TokenlayKeyQuery { PageSize = 101 }));
    }

    [Fact]
    public async Task The_keys_client_can_be_mocked()
    {
        var keys = new StubKeys();
        TokenlayConnectedKey key = await keys.GetAsync("key_1");

        Assert.Equal("key_1", key.Id);
    }

    private sealed class StubKeys : TokenlayKeysClient
    {
        public override Task<ClientResult<TokenlayConnectedKey>> GetAsync(string id, CancellationToken cancellationToken = default) =>
            Task.FromResult(TokenlayModelFactory.Result(TokenlayModelFactory.ConnectedKey(id: id)));
    }
}
