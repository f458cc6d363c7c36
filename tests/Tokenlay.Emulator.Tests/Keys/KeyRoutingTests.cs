using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22: proxied calls made with a customer's connected key (<c>x-tokenlay-key-ref</c>), per provider, against a provider that records what it got.</summary>
public sealed class KeyRoutingTests : IAsyncLifetime
{
    private const string Secret = "sk-or-v1-customer-secret-0001";

    private RecordingProvider _provider = null!;
    private TokenlayEmulator _emulator = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _provider = await RecordingProvider.StartAsync();
        _emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        _http = Emu.Http(_emulator);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _emulator.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task An_openai_compatible_key_is_sent_as_bearer_to_its_base_and_no_provider_key_header_is_needed()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "acme");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal("/v1/chat/completions", call.PathAndQuery);
        Assert.Equal("Bearer " + Secret, call.Header("authorization"));
        Assert.Null(call.Header("x-tokenlay-key-ref"));
    }

    [Fact]
    public async Task The_log_records_key_ref_and_key_id_and_never_the_key()
    {
        string id = (string)(await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base))["id"]!;

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "acme");

        string requestId = response.Headers.GetValues("x-tokenlay-request-id").Single();
        JsonObject entry = await KeyCalls.GetAsync(_http, "/v1/logs/" + requestId);
        Assert.Equal("acme", (string?)entry["key_ref"]);
        Assert.Equal(id, (string?)entry["key_id"]);
        string everything = await _http.GetStringAsync("/v1/logs") + await _http.GetStringAsync("/v1/usage") + await _http.GetStringAsync("/v1/keys");
        Assert.DoesNotContain(Secret, everything);
        Assert.DoesNotContain("customer-secret", everything);
    }

    [Fact]
    public async Task Usage_is_filtered_and_grouped_by_key_ref()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);
        await KeyCalls.ConnectedAsync(_http, "globex", "openai-compatible", "sk-globex-secret-0002", _provider.Base);
        await KeyCalls.ChatAsync(_http, "acme");
        await KeyCalls.ChatAsync(_http, "acme");
        await KeyCalls.ChatAsync(_http, "globex");

        JsonObject acme = await KeyCalls.GetAsync(_http, "/v1/usage?key_ref=acme");
        JsonObject all = await KeyCalls.GetAsync(_http, "/v1/usage");

        Assert.Equal(2, (long)acme["totals"]!["requests"]!);
        JsonArray groups = all["by_key_ref"]!.AsArray();
        Assert.Equal(["acme", "globex"], groups.Select(g => (string)g!["key_ref"]!));
        Assert.Equal([2L, 1L], groups.Select(g => (long)g!["requests"]!));
        Assert.Equal(2, (await KeyCalls.GetAsync(_http, "/v1/logs?key_ref=acme"))["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_provider_key_sent_with_a_key_ref_is_400_naming_both()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "acme", new Dictionary<string, string> { ["x-tokenlay-provider-key"] = "sk-other" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonNode error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Contains("x-tokenlay-key-ref", (string?)error["message"]);
        Assert.Contains("x-tokenlay-provider-key", (string?)error["message"]);
        Assert.Empty(_provider.Calls);
    }

    [Fact]
    public async Task An_unknown_ref_is_403_key_not_connected()
    {
        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "nobody");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("key_not_connected", await KeyCalls.CodeAsync(response));
        Assert.Equal("tokenlay", response.Headers.GetValues("x-tokenlay-error-source").Single());
    }

    [Fact]
    public async Task A_revoked_key_is_refused_with_403_key_revoked_and_never_reaches_the_provider()
    {
        string id = (string)(await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base))["id"]!;
        Assert.Equal(HttpStatusCode.OK, (await KeyCalls.ChatAsync(_http, "acme")).StatusCode);

        await _http.DeleteAsync("/v1/keys/" + id);
        HttpResponseMessage refused = await KeyCalls.ChatAsync(_http, "acme");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("key_revoked", await KeyCalls.CodeAsync(refused));
        Assert.Single(_provider.Calls);
    }

    [Fact]
    public async Task A_rotation_takes_effect_on_the_next_call()
    {
        string id = (string)(await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base))["id"]!;
        await KeyCalls.ChatAsync(_http, "acme");

        HttpResponseMessage rotated = await _http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-or-v1-rotated-secret-0002"}"""));
        await KeyCalls.ChatAsync(_http, "acme");

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal("0002", (string?)JsonNode.Parse(await rotated.Content.ReadAsStringAsync())!["key_hint"]);
        Assert.Equal(["Bearer " + Secret, "Bearer sk-or-v1-rotated-secret-0002"], _provider.Calls.Select(c => c.Header("authorization")));
        // The new key was validated with the provider before it replaced the old one.
        Assert.Contains(_provider.Received, r => r.Method == "GET" && r.Header("authorization") == "Bearer sk-or-v1-rotated-secret-0002");
    }

    [Fact]
    public async Task A_rotation_to_a_key_the_provider_refuses_keeps_the_old_key()
    {
        string id = (string)(await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base))["id"]!;
        _provider.Refused["sk-or-v1-refused-secret-0003"] = true;

        HttpResponseMessage rotated = await _http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-or-v1-refused-secret-0003"}"""));
        await KeyCalls.ChatAsync(_http, "acme");

        Assert.Equal(HttpStatusCode.BadRequest, rotated.StatusCode);
        Assert.Equal("invalid_provider_key", await KeyCalls.CodeAsync(rotated));
        Assert.Equal("Bearer " + Secret, Assert.Single(_provider.Calls).Header("authorization"));
    }

    [Fact]
    public async Task An_azure_key_goes_to_the_deployment_path_with_api_version_and_the_api_key_header()
    {
        var config = new JsonObject { ["deployment"] = "gpt4o-prod", ["api_version"] = "2024-10-21" };
        JsonObject key = await KeyCalls.ConnectedAsync(_http, "contoso", "azure-openai", "azure-customer-key-0004", _provider.Root, config);

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "contoso");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("active", (string?)key["status"]);
        ReceivedRequest validation = _provider.Received.First();
        Assert.Equal("GET", validation.Method);
        Assert.Equal("/openai/deployments/gpt4o-prod?api-version=2024-10-21", validation.PathAndQuery);
        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal("/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21", call.PathAndQuery);
        Assert.Equal("azure-customer-key-0004", call.Header("api-key"));
        Assert.Null(call.Header("authorization"));
        Assert.Equal("gpt4o-prod", (string?)key["config"]!["deployment"]);
    }

    [Fact]
    public async Task An_azure_embeddings_call_goes_to_the_deployments_embeddings_path()
    {
        var config = new JsonObject { ["deployment"] = "embed-prod" };
        await KeyCalls.ConnectedAsync(_http, "contoso", "azure-openai", "azure-customer-key-0004", _provider.Root, config);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings") { Content = Emu.Json("""{"model":"text-embedding-3-small","input":"hello"}""") };
        request.Headers.Add("x-tokenlay-key-ref", "contoso");

        await _http.SendAsync(request);

        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal($"/openai/deployments/embed-prod/embeddings?api-version={Tokenlay.Emulator.Keys.KeyProviders.DefaultAzureApiVersion}", call.PathAndQuery);
    }

    [Fact]
    public async Task An_anthropic_key_goes_to_its_openai_compatible_endpoint_with_x_api_key()
    {
        await KeyCalls.ConnectedAsync(_http, "initech", "anthropic", "sk-ant-customer-key-0005", _provider.Base);

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "initech");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        ReceivedRequest validation = _provider.Received.First();
        Assert.Equal("/v1/models", validation.PathAndQuery);
        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal("/v1/chat/completions", call.PathAndQuery);
        Assert.Equal("sk-ant-customer-key-0005", call.Header("x-api-key"));
        Assert.Equal("2023-06-01", call.Header("anthropic-version"));
        Assert.Null(call.Header("authorization"));
    }

    [Fact]
    public async Task A_ref_with_keys_for_several_providers_needs_x_tokenlay_key_provider()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);
        await KeyCalls.ConnectedAsync(_http, "acme", "anthropic", "sk-ant-customer-key-0005", _provider.Base);

        HttpResponseMessage ambiguous = await KeyCalls.ChatAsync(_http, "acme");
        HttpResponseMessage named = await KeyCalls.ChatAsync(_http, "acme", new Dictionary<string, string> { ["x-tokenlay-key-provider"] = "anthropic" });

        Assert.Equal(HttpStatusCode.BadRequest, ambiguous.StatusCode);
        JsonNode error = JsonNode.Parse(await ambiguous.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("x-tokenlay-key-provider", (string?)error["param"]);
        Assert.Contains("x-tokenlay-key-provider", (string?)error["message"]);
        Assert.Equal(HttpStatusCode.OK, named.StatusCode);
        Assert.Equal("sk-ant-customer-key-0005", Assert.Single(_provider.Calls).Header("x-api-key"));
    }

    [Fact]
    public async Task A_streamed_call_with_a_key_ref_is_relayed_with_the_customers_key()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);

        // The recording provider answers JSON even to a stream request; what matters is where and with what it was asked.
        await Integrity.Calls.ChatAsync(_http, "hi", "alice", stream: true, headers: new Dictionary<string, string> { ["x-tokenlay-key-ref"] = "acme" });

        ReceivedRequest call = Assert.Single(_provider.Calls);
        Assert.Equal("Bearer " + Secret, call.Header("authorization"));
        Assert.Equal("text/event-stream", call.Header("accept"));
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_another_customer_is_409_not_the_first_customers_answer()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);
        await KeyCalls.ConnectedAsync(_http, "globex", "openai-compatible", "sk-globex-secret-0002", _provider.Base);

        HttpResponseMessage first = await Integrity.Calls.ChatAsync(_http, "hi", "alice", key: "same-key", headers: new Dictionary<string, string> { ["x-tokenlay-key-ref"] = "acme" });
        HttpResponseMessage other = await Integrity.Calls.ChatAsync(_http, "hi", "alice", key: "same-key", headers: new Dictionary<string, string> { ["x-tokenlay-key-ref"] = "globex" });
        HttpResponseMessage retry = await Integrity.Calls.ChatAsync(_http, "hi", "alice", key: "same-key", headers: new Dictionary<string, string> { ["x-tokenlay-key-ref"] = "acme" });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Single(_provider.Calls);
    }

    [Fact]
    public async Task A_key_provider_without_a_key_ref_or_naming_no_provider_is_a_400_naming_the_header()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);

        HttpResponseMessage alone = await Integrity.Calls.ChatAsync(_http, "hi", headers: new Dictionary<string, string> { ["x-tokenlay-key-provider"] = "anthropic", ["x-tokenlay-provider-key"] = "sk-x" });
        HttpResponseMessage unknown = await KeyCalls.ChatAsync(_http, "acme", new Dictionary<string, string> { ["x-tokenlay-key-provider"] = "mistral" });

        Assert.Equal(HttpStatusCode.BadRequest, alone.StatusCode);
        Assert.Equal("x-tokenlay-key-ref", (string?)JsonNode.Parse(await alone.Content.ReadAsStringAsync())!["error"]!["param"]);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("x-tokenlay-key-provider", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["param"]);
        Assert.Empty(_provider.Calls);
    }

    [Fact]
    public async Task A_key_ref_naming_a_provider_the_customer_has_no_key_for_is_403_key_not_connected()
    {
        await KeyCalls.ConnectedAsync(_http, "acme", "openai-compatible", Secret, _provider.Base);

        HttpResponseMessage response = await KeyCalls.ChatAsync(_http, "acme", new Dictionary<string, string> { ["x-tokenlay-key-provider"] = "anthropic" });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("key_not_connected", await KeyCalls.CodeAsync(response));
    }
}
