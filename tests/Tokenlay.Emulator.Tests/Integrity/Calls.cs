using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Raw HTTP calls to an emulator, with the headers an attacker (or a client we did not write) chooses.</summary>
internal static class Calls
{
    public static async Task<HttpResponseMessage> ChatAsync(HttpClient http, string prompt, string? user = null, string? key = null,
        string model = "gpt-4o-mini", int? maxTokens = null, bool stream = false, IDictionary<string, string>? headers = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = prompt }),
        };
        if (maxTokens is { } max)
        {
            body["max_tokens"] = max;
        }
        if (stream)
        {
            body["stream"] = true;
        }
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = Emu.Json(body.ToJsonString()) };
        if (user is not null)
        {
            request.Headers.Add("x-tokenlay-user", user);
        }
        if (key is not null)
        {
            request.Headers.Add("x-tokenlay-idempotency-key", key);
        }
        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await http.SendAsync(request, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead);
    }

    public static async Task<JsonNode> UsageAsync(HttpClient http, string query = "")
    {
        HttpResponseMessage response = await http.GetAsync("/v1/usage" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    public static async Task<string?> ErrorCodeAsync(HttpResponseMessage response) =>
        (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())?["error"]?["code"];
}
