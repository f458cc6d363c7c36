using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;
using Tokenlay.Emulator;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Hosting.Tests;

/// <summary>Issue 25, item 4: AddTokenlayExceptionHandler maps rule blocks to 429 and outages to 503, and nothing else.</summary>
public class ExceptionHandlerTests
{
    private const string OneADay = """
        [{ "id": "one-a-day", "if": {}, "then": { "limits": [ { "type": "requests", "max": 1, "window": "day", "per": "user" } ],
           "on_limit_exceeded": { "action": "block", "retry_after_seconds": 120 } } }]
        """;

    private static async Task<(WebApplication App, HttpClient Http)> Host(Uri baseUrl, string key)
    {
        Dictionary<string, string?> settings = TestHosts.Settings(baseUrl, key, TestKeys.Provider);
        settings["Tokenlay:Resilience:MaxRetryAttempts"] = "0";
        WebApplicationBuilder builder = TestHosts.Builder(settings);
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddOpenAIChatClient("gpt-4o-mini");
        builder.Services.AddProblemDetails();
        builder.Services.AddTokenlayExceptionHandler();
        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.MapGet("/ask", async (ChatClient chat) =>
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice" }))
            {
                return (await chat.CompleteChatAsync("hi")).Value.Content[0].Text;
            }
        });
        app.MapGet("/bug", string () => throw new InvalidOperationException("not a Tokenlay failure"));
        return (app, await TestHosts.StartAsync(app));
    }

    [Fact]
    public async Task A_rule_block_in_an_endpoint_is_a_429_with_retry_after_and_the_rule_and_limit_in_problem_json()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions { Rules = Tokenlay.Emulator.Rules.RuleSet.Parse(OneADay) });
        (WebApplication app, HttpClient http) = await Host(emulator.BaseUrl, emulator.Key);
        await using (app)
        using (http)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ask")).StatusCode);
            HttpResponseMessage blocked = await http.GetAsync("/ask");
            string body = await blocked.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
            Assert.Equal("application/problem+json", blocked.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromSeconds(120), blocked.Headers.RetryAfter?.Delta);
            using JsonDocument problem = JsonDocument.Parse(body);
            Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
            Assert.Equal("one-a-day", problem.RootElement.GetProperty("ruleId").GetString());
            JsonElement limit = problem.RootElement.GetProperty("limit");
            Assert.Equal("requests", limit.GetProperty("type").GetString());
            Assert.Equal("user", limit.GetProperty("per").GetString());
            Assert.Equal(1, limit.GetProperty("max").GetDecimal());
            Assert.DoesNotContain(emulator.Key, body);
            Assert.DoesNotContain(TestKeys.Provider, body);
            Assert.DoesNotContain(emulator.BaseUrl.Authority, body);
        }
    }

    [Fact]
    public async Task Tokenlay_unreachable_is_a_503_without_the_url_or_keys()
    {
        var closed = new Uri($"http://127.0.0.1:{ClosedPort.Get()}");
        (WebApplication app, HttpClient http) = await Host(closed, TestKeys.Tokenlay);
        await using (app)
        using (http)
        {
            HttpResponseMessage response = await http.GetAsync("/ask");
            string body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.DoesNotContain(closed.Authority, body);
            Assert.DoesNotContain(TestKeys.Tokenlay, body);
        }
    }

    [Fact]
    public async Task Other_exceptions_are_left_to_the_default_handling()
    {
        (WebApplication app, HttpClient http) = await Host(new Uri("http://127.0.0.1:9"), TestKeys.Tokenlay);
        await using (app)
        using (http)
        {
            HttpResponseMessage response = await http.GetAsync("/bug");

            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        }
    }
}
