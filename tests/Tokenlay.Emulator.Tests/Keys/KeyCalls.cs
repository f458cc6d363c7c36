using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Raw calls to the emulator's /v1/keys and to the proxy with x-tokenlay-key-ref.</summary>
internal static class KeyCalls
{
    public static async Task<(HttpStatusCode Status, JsonObject Body, string Raw)> ConnectAsync(HttpClient http, JsonObject body)
    {
        HttpResponseMessage response = await http.PostAsync("/v1/keys", Emu.Json(body.ToJsonString()));
        string raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonNode.Parse(raw)!.AsObject(), raw);
    }

    public static JsonObject Connection(string refId, string provider, string key, string? baseUrl = null, JsonObject? config = null) => new()
    {
        ["ref_id"] = refId,
        ["provider"] = provider,
        ["key"] = key,
        ["base_url"] = baseUrl,
        ["config"] = config,
    };

    public static async Task<JsonObject> ConnectedAsync(HttpClient http, string refId, string provider, string key, string? baseUrl = null, JsonObject? config = null)
    {
        (HttpStatusCode status, JsonObject body, string raw) = await ConnectAsync(http, Connection(refId, provider, key, baseUrl, config));
        Assert.True(status == HttpStatusCode.Created, raw);
        return body;
    }

    public static Task<HttpResponseMessage> ChatAsync(HttpClient http, string keyRef, IDictionary<string, string>? headers = null, string endpoint = "chat/completions")
    {
        var all = new Dictionary<string, string>(headers ?? new Dictionary<string, string>()) { ["x-tokenlay-key-ref"] = keyRef };
        return Integrity.Calls.ChatAsync(http, "hi", "alice", headers: all);
    }

    public static async Task<JsonObject> GetAsync(HttpClient http, string path)
    {
        HttpResponseMessage response = await http.GetAsync(path);
        string raw = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, raw);
        return JsonNode.Parse(raw)!.AsObject();
    }

    public static async Task<string?> CodeAsync(HttpResponseMessage response) => await Integrity.Calls.ErrorCodeAsync(response);
}
