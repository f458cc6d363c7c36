using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests.Keys;

/// <summary>Issue 22: what the dashboard reads to list connected keys has hints, status and last use, never a secret.</summary>
public class KeyDashboardTests
{
    private const string Secret = "sk-or-v1-dashboard-secret-0001";

    [Fact]
    public async Task The_page_lists_connected_keys_from_the_keys_api_which_holds_no_secret()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        await KeyCalls.ConnectedAsync(http, "acme", "openai", Secret);
        await KeyCalls.ChatAsync(http, "acme");

        string page = await http.GetStringAsync("/dashboard") + await http.GetStringAsync("/dashboard/app.js");
        HttpResponseMessage keys = await http.GetAsync("/v1/keys?limit=100"); // what the page asks for
        string raw = await keys.Content.ReadAsStringAsync();

        Assert.Contains("Connected customer keys", page);
        Assert.Contains("/v1/keys?limit=100", page);
        Assert.Equal(HttpStatusCode.OK, keys.StatusCode);
        JsonNode key = JsonNode.Parse(raw)!["data"]![0]!;
        Assert.Equal("0001", (string?)key["key_hint"]);
        Assert.Equal("unverified", (string?)key["status"]);
        Assert.NotNull(key["last_used_at"]);
        Assert.DoesNotContain("dashboard-secret", raw);
        Assert.Equal(HttpStatusCode.Unauthorized, (await new HttpClient { BaseAddress = emulator.BaseUrl }.GetAsync("/v1/keys")).StatusCode);
    }
}
