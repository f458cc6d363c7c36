using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22: the /v1/keys API — connect, validate, list, get, rotate, revoke, events.</summary>
public class KeyApiTests
{
    private const string Secret = "sk-or-v1-customer-secret-0001";

    [Fact]
    public async Task A_connect_answers_201_with_the_last_four_characters_and_never_the_secret()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        (HttpStatusCode status, JsonObject key, string raw) = await KeyCalls.ConnectAsync(http,
            KeyCalls.Connection("acme", "openai-compatible", Secret, "https://openrouter.ai/api/v1"));

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.StartsWith("key_", (string)key["id"]!);
        Assert.Equal("acme", (string?)key["ref_id"]);
        Assert.Equal("openai-compatible", (string?)key["provider"]);
        Assert.Equal("https://openrouter.ai/api/v1", (string?)key["base_url"]);
        Assert.Equal("0001", (string?)key["key_hint"]);
        Assert.Equal("unverified", (string?)key["status"]); // simulated mode asks no provider
        Assert.NotNull(key["created_at"]);
        Assert.True(key.ContainsKey("last_validated_at"));
        Assert.True(key.ContainsKey("last_used_at"));
        Assert.DoesNotContain("customer-secret", raw);
    }

    [Fact]
    public async Task Providers_with_a_default_base_need_none()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonObject openai = await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret);
        JsonObject anthropic = await KeyCalls.ConnectedAsync(http, "acme", "anthropic", "sk-ant-customer-0002");

        Assert.Equal("https://api.openai.com/v1", (string?)openai["base_url"]);
        Assert.Equal("https://api.anthropic.com/v1", (string?)anthropic["base_url"]);
    }

    [Theory]
    [InlineData("""{"ref_id":"a","provider":"mistral","key":"sk-12345678"}""", "provider")]
    [InlineData("""{"ref_id":"a","provider":"openai-compatible","key":"sk-12345678"}""", "base_url")]
    [InlineData("""{"ref_id":"a","provider":"azure-openai","key":"sk-12345678"}""", "base_url")]
    [InlineData("""{"ref_id":"a","provider":"azure-openai","key":"sk-12345678","base_url":"https://r.openai.azure.com"}""", "config.deployment")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-12345678","base_url":"ftp://example.test"}""", "base_url")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-12345678","base_url":"not a url"}""", "base_url")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":""}""", "key")]
    [InlineData("""{"ref_id":"a","provider":"openai"}""", "key")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-1234\r\n5678"}""", "key")]
    [InlineData("""{"ref_id":"a\r\nb","provider":"openai","key":"sk-12345678"}""", "ref_id")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-12345678","label":"x\ny"}""", "label")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-12345678","base_url":"https://x.test/v1\n"}""", "base_url")]
    [InlineData("""{"provider":"openai","key":"sk-12345678"}""", "ref_id")]
    [InlineData("""{"ref_id":"a","provider":"openai","key":"sk-12345678","validate":"yes"}""", "validate")]
    public async Task Bad_input_is_a_400_naming_the_field(string body, string field)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.PostAsync("/v1/keys", Emu.Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(field, (string?)JsonNode.Parse(raw)!["error"]!["param"]);
        Assert.DoesNotContain("12345678", raw);
        Assert.Empty((await KeyCalls.GetAsync(http, "/v1/keys"))["data"]!.AsArray());
    }

    [Fact]
    public async Task A_ref_id_longer_than_200_characters_is_refused()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        (HttpStatusCode status, JsonObject body, _) = await KeyCalls.ConnectAsync(http, KeyCalls.Connection(new string('r', 201), "openai", Secret));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("ref_id", (string?)body["error"]!["param"]);
    }

    [Fact]
    public async Task A_second_active_key_for_the_same_ref_and_provider_is_409_key_already_connected()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret);

        (HttpStatusCode status, JsonObject body, _) = await KeyCalls.ConnectAsync(http, KeyCalls.Connection("acme", "openai", "sk-another-key-9999"));

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("key_already_connected", (string?)body["error"]!["code"]);
        // Another provider for the same customer is fine.
        await KeyCalls.ConnectedAsync(http, "acme", "anthropic", "sk-ant-another-9999");
    }

    [Fact]
    public async Task Concurrent_connects_of_one_ref_give_one_active_key()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
            (await KeyCalls.ConnectAsync(http, KeyCalls.Connection("race", "openai", $"sk-racing-key-{i:D4}"))).Status));

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.All(statuses.Where(s => s != HttpStatusCode.Created), s => Assert.Equal(HttpStatusCode.Conflict, s));
        Assert.Single((await KeyCalls.GetAsync(http, "/v1/keys?ref_id=race"))["data"]!.AsArray());
    }

    [Fact]
    public async Task Concurrent_connects_while_the_provider_validates_still_give_one_key()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);

        HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
            (await KeyCalls.ConnectAsync(http, KeyCalls.Connection("race", "openai-compatible", $"sk-racing-key-{i:D4}", provider.Base))).Status));

        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Single((await KeyCalls.GetAsync(http, "/v1/keys?ref_id=race&status=active"))["data"]!.AsArray());
    }

    [Fact]
    public async Task In_forward_mode_a_connect_asks_the_provider_for_its_models_with_the_key_and_is_active()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);

        JsonObject key = await KeyCalls.ConnectedAsync(http, "acme", "openai-compatible", Secret, provider.Base);

        Assert.Equal("active", (string?)key["status"]);
        Assert.NotNull(key["last_validated_at"]);
        ReceivedRequest asked = Assert.Single(provider.Received);
        Assert.Equal("GET", asked.Method);
        Assert.Equal("/v1/models", asked.PathAndQuery);
        Assert.Equal("Bearer " + Secret, asked.Header("authorization"));
    }

    [Fact]
    public async Task A_key_the_provider_refuses_is_400_invalid_provider_key_with_its_answer_but_not_the_key()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        provider.Refused[Secret] = true;
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);

        (HttpStatusCode status, JsonObject body, string raw) = await KeyCalls.ConnectAsync(http, KeyCalls.Connection("acme", "openai-compatible", Secret, provider.Base));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_provider_key", (string?)body["error"]!["code"]);
        Assert.Contains("401", (string?)body["error"]!["message"]);
        Assert.Contains("Incorrect API key provided", (string?)body["error"]!["message"]);
        Assert.DoesNotContain(Secret, raw);
        Assert.Empty((await KeyCalls.GetAsync(http, "/v1/keys"))["data"]!.AsArray());
    }

    [Fact]
    public async Task Validate_false_stores_the_key_unverified_without_asking_the_provider()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);
        JsonObject connection = KeyCalls.Connection("acme", "openai-compatible", Secret, provider.Base);
        connection["validate"] = false;

        (HttpStatusCode status, JsonObject key, _) = await KeyCalls.ConnectAsync(http, connection);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("unverified", (string?)key["status"]);
        Assert.Empty(provider.Received);
    }

    [Fact]
    public async Task Validation_on_demand_records_the_outcome_and_marks_a_refused_key_invalid()
    {
        await using RecordingProvider provider = await RecordingProvider.StartAsync();
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);
        using HttpClient http = Emu.Http(emulator);
        string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai-compatible", Secret, provider.Base))["id"]!;
        provider.Refused[Secret] = true; // the customer revoked it at the provider

        HttpResponseMessage response = await http.PostAsync($"/v1/keys/{id}/validate", null);

        string raw = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonObject key = JsonNode.Parse(raw)!.AsObject();
        Assert.Equal("invalid", (string?)key["status"]);
        Assert.Equal("invalid", (string?)key["validation"]!["outcome"]);
        Assert.DoesNotContain(Secret, raw);
        JsonArray events = (await KeyCalls.GetAsync(http, $"/v1/keys/{id}/events"))["data"]!.AsArray();
        Assert.Equal(["connected", "validated", "validated"], events.Select(e => (string)e!["type"]!));
        Assert.Equal(["valid", "invalid"], events.Where(e => (string?)e!["type"] == "validated").Select(e => (string)e!["outcome"]!));
    }

    [Fact]
    public async Task Lists_filter_by_ref_provider_and_status_and_page_with_next_cursor()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        for (int i = 0; i < 5; i++)
        {
            await KeyCalls.ConnectedAsync(http, $"customer-{i}", "openai", $"sk-customer-key-{i:D4}");
        }
        await KeyCalls.ConnectedAsync(http, "customer-0", "anthropic", "sk-ant-customer-0000");
        string revoke = (string)(await KeyCalls.GetAsync(http, "/v1/keys?ref_id=customer-1"))["data"]![0]!["id"]!;
        await http.DeleteAsync("/v1/keys/" + revoke);

        JsonObject first = await KeyCalls.GetAsync(http, "/v1/keys?limit=4");
        JsonObject second = await KeyCalls.GetAsync(http, "/v1/keys?limit=4&cursor=" + (string)first["next_cursor"]!);

        Assert.Equal(4, first["data"]!.AsArray().Count);
        Assert.Equal(2, second["data"]!.AsArray().Count);
        Assert.Null(second["next_cursor"]);
        Assert.Equal(2, (await KeyCalls.GetAsync(http, "/v1/keys?ref_id=customer-0"))["data"]!.AsArray().Count);
        Assert.Single((await KeyCalls.GetAsync(http, "/v1/keys?provider=anthropic"))["data"]!.AsArray());
        Assert.Equal(revoke, (string?)Assert.Single((await KeyCalls.GetAsync(http, "/v1/keys?status=revoked"))["data"]!.AsArray())!["id"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/keys?provider=mistral")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/v1/keys?cursor=nonsense")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_key_id_is_404_key_not_found_on_every_route()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage[] responses =
        [
            await http.GetAsync("/v1/keys/key_nope"),
            await http.PutAsync("/v1/keys/key_nope", Emu.Json("""{"key":"sk-12345678"}""")),
            await http.PostAsync("/v1/keys/key_nope/validate", null),
            await http.DeleteAsync("/v1/keys/key_nope"),
            await http.GetAsync("/v1/keys/key_nope/events"),
        ];

        foreach (HttpResponseMessage response in responses)
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("key_not_found", await KeyCalls.CodeAsync(response));
        }
    }

    [Fact]
    public async Task Revoking_is_idempotent_and_recorded_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;

        HttpResponseMessage first = await http.DeleteAsync("/v1/keys/" + id);
        HttpResponseMessage again = await http.DeleteAsync("/v1/keys/" + id);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("revoked", (string?)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["status"]);
        JsonArray events = (await KeyCalls.GetAsync(http, $"/v1/keys/{id}/events"))["data"]!.AsArray();
        Assert.Single(events, e => (string?)e!["type"] == "revoked");
        // A revoked key can be replaced by a new connect; rotating the revoked one is refused.
        await KeyCalls.ConnectedAsync(http, "acme", "openai", "sk-replacement-7777");
        HttpResponseMessage rotate = await http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-too-late-12345"}"""));
        Assert.Equal(HttpStatusCode.Conflict, rotate.StatusCode);
        Assert.Equal("key_revoked", await KeyCalls.CodeAsync(rotate));
    }

    [Fact]
    public async Task Rotating_twice_with_the_same_key_changes_it_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;

        HttpResponseMessage first = await http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-rotated-key-4242"}"""));
        HttpResponseMessage again = await http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-rotated-key-4242"}"""));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("4242", (string?)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["key_hint"]);
        JsonArray events = (await KeyCalls.GetAsync(http, $"/v1/keys/{id}/events"))["data"]!.AsArray();
        Assert.Single(events, e => (string?)e!["type"] == "rotated");
    }

    [Fact]
    public async Task A_connect_retried_with_its_idempotency_key_is_answered_again_not_refused()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        JsonObject connection = KeyCalls.Connection("acme", "openai", Secret);
        connection["idempotency_key"] = "connect-acme-1";

        (HttpStatusCode first, JsonObject created, _) = await KeyCalls.ConnectAsync(http, connection);
        (HttpStatusCode retry, JsonObject replayed, _) = await KeyCalls.ConnectAsync(http, (JsonObject)connection.DeepClone());

        Assert.Equal(HttpStatusCode.Created, first);
        Assert.Equal(HttpStatusCode.Created, retry);
        Assert.Equal((string?)created["id"], (string?)replayed["id"]);
    }

    [Fact]
    public async Task Every_event_has_a_type_a_time_and_the_acting_tokenlay_key_id_never_the_key()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        string id = (string)(await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret))["id"]!;
        await KeyCalls.ChatAsync(http, "acme");
        await KeyCalls.ChatAsync(http, "acme");
        await http.PutAsync("/v1/keys/" + id, Emu.Json("""{"key":"sk-rotated-key-4242"}"""));
        await http.DeleteAsync("/v1/keys/" + id);

        JsonObject page = await KeyCalls.GetAsync(http, $"/v1/keys/{id}/events");
        JsonObject key = await KeyCalls.GetAsync(http, "/v1/keys/" + id);

        JsonArray events = page["data"]!.AsArray();
        Assert.Equal(["connected", "validated", "used", "rotated", "validated", "revoked"], events.Select(e => (string)e!["type"]!));
        Assert.All(events, e =>
        {
            Assert.NotNull(e!["created_at"]);
            Assert.StartsWith("tlk_", (string)e["actor"]!);
        });
        Assert.DoesNotContain(emulator.Key, page.ToJsonString());
        Assert.Equal(2, (long)key["call_count"]!);
        Assert.NotNull(key["first_used_at"]);
        Assert.NotNull(key["last_used_at"]);
    }
}
