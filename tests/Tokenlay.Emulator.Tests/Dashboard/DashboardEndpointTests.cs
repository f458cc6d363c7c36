using System.Net;
using System.Text.Json;
using OpenAI;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests.Dashboard;

/// <summary>The dashboard's page and APIs over plain HTTP; the browser suite drives the page itself.</summary>
public class DashboardEndpointTests
{
    [Fact]
    public async Task The_page_is_served_without_a_key_with_a_policy_that_allows_only_this_origin()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        HttpResponseMessage page = await http.GetAsync("/dashboard");
        string html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Tokenlay emulator", html);
        Assert.DoesNotContain(emulator.Key, html);
        string policy = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", policy);
        Assert.Contains("connect-src 'self'", policy);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dashboard/app.js")).StatusCode);
        Assert.Equal("text/css", (await http.GetAsync("/dashboard/app.css")).Content.Headers.ContentType!.MediaType);
        Assert.Equal(new Uri(emulator.BaseUrl, "dashboard#key=tl_local"), emulator.DashboardUrl);
    }

    [Fact]
    public async Task Rule_status_lists_each_limit_with_the_keys_closest_to_it_and_needs_the_key()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
        {
            Rules = RuleSet.Parse("""[{ "id": "free", "if": {}, "then": { "limits": [ { "type": "requests", "max": 5, "window": "day", "per": "user" } ] } }]""", "test"),
        });
        OpenAIClient client = TokenlayOpenAIClient.Create(emulator.CreateClientOptions());
        foreach ((string user, int calls) in new[] { ("ann", 3), ("ben", 1) })
        {
            for (int i = 0; i < calls; i++)
            {
                using (TokenlayScope.Begin(new TokenlayRequestContext { User = user }))
                {
                    await client.GetChatClient("gpt-4o-mini").CompleteChatAsync("hi");
                }
            }
        }
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/rules/status")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", emulator.Key);
        using JsonDocument status = JsonDocument.Parse(await http.GetStringAsync("/v1/rules/status"));

        JsonElement limit = status.RootElement.GetProperty("data")[0].GetProperty("limits")[0];
        Assert.Equal(5, limit.GetProperty("max").GetInt32());
        Assert.Equal(new[] { ("ann", 3, 2), ("ben", 1, 4) }, limit.GetProperty("closest").EnumerateArray()
            .Select(u => (u.GetProperty("key").GetString()!, u.GetProperty("current").GetInt32(), u.GetProperty("remaining").GetInt32())));
    }

    [Fact]
    public async Task The_dashboard_apis_are_in_the_openapi_document_and_the_page_is_not()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        using JsonDocument document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));
        JsonElement paths = document.RootElement.GetProperty("paths");

        Assert.True(paths.TryGetProperty("/v1/rules/status", out _));
        Assert.True(paths.TryGetProperty("/v1/webhooks/deliveries", out _));
        Assert.False(paths.TryGetProperty("/dashboard", out _));
    }

    [Fact]
    public async Task Credit_accounts_are_listed_lowest_available_first_for_the_credits_panel()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/credits/accounts")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", emulator.Key);
        foreach ((string account, int amount) in new[] { ("user:rich", 5000), ("user:poor", 3), ("org:acme", 40) })
        {
            (await http.PostAsync("/v1/credits/grants", new StringContent($$"""{"account": "{{account}}", "amount": {{amount}}}""", System.Text.Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }

        using JsonDocument all = JsonDocument.Parse(await http.GetStringAsync("/v1/credits/accounts"));
        using JsonDocument two = JsonDocument.Parse(await http.GetStringAsync("/v1/credits/accounts?limit=2"));
        HttpResponseMessage bad = await http.GetAsync("/v1/credits/accounts?limit=0");

        Assert.Equal(new[] { "user:poor", "org:acme", "user:rich" }, all.RootElement.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("account").GetString()));
        Assert.Equal(3m, all.RootElement.GetProperty("data")[0].GetProperty("available").GetDecimal());
        Assert.Equal(2, two.RootElement.GetProperty("data").GetArrayLength());
        Assert.Equal(3, two.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task The_page_has_a_credits_panel_and_a_csv_download_that_fetches_the_export_with_the_key()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        string html = await http.GetStringAsync("/dashboard");
        string script = await http.GetStringAsync("/dashboard/app.js");
        using JsonDocument document = JsonDocument.Parse(await http.GetStringAsync("/openapi/v1.json"));

        Assert.Contains("id=\"credits\"", html);
        Assert.Contains("id=\"download-csv\"", html);
        Assert.Contains("/v1/logs/export?format=csv", script);
        Assert.Contains("/v1/credits/accounts?limit=", script);
        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty("/v1/credits/accounts", out _));
    }
}
