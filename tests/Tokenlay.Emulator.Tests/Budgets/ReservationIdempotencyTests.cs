using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Tokenlay.Emulator.Tests.Budgets;

/// <summary>Issue 25, item 11: a reservation is created once per idempotency key, so a retry after a lost answer holds the budget once.</summary>
public class ReservationIdempotencyTests
{
    private const string TokensPerUser = """
        [{ "id": "t", "if": {}, "then": { "limits": [ { "type": "tokens", "max": 100000, "window": "day", "per": "user" } ] } }]
        """;

    private static HttpRequestMessage Reserve(string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/reservations") { Content = Emu.Json(body) };
        if (key is not null)
        {
            request.Headers.Add("x-tokenlay-idempotency-key", key);
        }
        return request;
    }

    [Fact]
    public async Task The_same_key_and_body_get_the_same_reservation_replayed_and_another_body_409()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(TokensPerUser);
        using HttpClient http = Emu.Http(emulator);
        const string body = """{"model":"gpt-4o-mini","metadata":{"user":"job"},"estimate":{"input_tokens":3000,"output_tokens":1000}}""";

        HttpResponseMessage first = await http.SendAsync(Reserve(body, "job-42"));
        HttpResponseMessage again = await http.SendAsync(Reserve(body, "job-42"));
        HttpResponseMessage other = await http.SendAsync(Reserve(body.Replace("3000", "5000", StringComparison.Ordinal), "job-42"));
        HttpResponseMessage inBody = await http.SendAsync(Reserve(body.Replace("}}", "},\"idempotency_key\":\"job-43\"}", StringComparison.Ordinal), null));
        HttpResponseMessage inBodyAgain = await http.SendAsync(Reserve(body.Replace("}}", "},\"idempotency_key\":\"job-43\"}", StringComparison.Ordinal), null));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal((string?)JsonNode.Parse(await first.Content.ReadAsStringAsync())!["id"], (string?)JsonNode.Parse(await again.Content.ReadAsStringAsync())!["id"]);
        Assert.Equal("true", again.Headers.GetValues("x-tokenlay-idempotent-replayed").Single());
        Assert.Equal(HttpStatusCode.Conflict, other.StatusCode);
        Assert.Equal((string?)JsonNode.Parse(await inBody.Content.ReadAsStringAsync())!["id"], (string?)JsonNode.Parse(await inBodyAgain.Content.ReadAsStringAsync())!["id"]);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions());
        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "job", EstimatedOutputTokens = 0 });
        Assert.Equal(8000, Assert.Single(check.Limits).Current); // two reservations of 4000, not four
    }

    [Fact]
    public async Task ReserveAsync_retried_after_a_lost_answer_holds_the_budget_once()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(TokensPerUser);
        // A relay in front of the emulator that delivers the first reservation to it, then cuts the
        // connection before the answer reaches the SDK: the reservation exists, the caller never saw it.
        int reservations = 0;
        using var upstream = new HttpClient { BaseAddress = emulator.BaseUrl };
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using WebApplication relay = builder.Build();
        relay.Run(async context =>
        {
            using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), context.Request.Path + context.Request.QueryString);
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
            foreach (var header in context.Request.Headers.Where(h => h.Key.StartsWith("x-tokenlay-", StringComparison.OrdinalIgnoreCase) || h.Key == "Authorization"))
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
            using HttpResponseMessage answer = await upstream.SendAsync(request);
            if (context.Request.Path == "/v1/reservations" && Interlocked.Increment(ref reservations) == 1)
            {
                context.Abort(); // the answer is lost
                return;
            }
            context.Response.StatusCode = (int)answer.StatusCode;
            foreach (var header in answer.Headers.Concat(answer.Content.Headers).Where(h => h.Key != "Transfer-Encoding"))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
            await answer.Content.CopyToAsync(context.Response.Body);
        });
        await relay.StartAsync();
        TokenlayOptions options = emulator.CreateClientOptions();
        options.TokenlayBaseUrl = new Uri(relay.Urls.First());
        var tokenlay = new TokenlayClient(options);

        TokenlayReservation job = await tokenlay.Limits.ReserveAsync(new TokenlayReservationRequest("gpt-4o-mini") { User = "job", EstimatedInputTokens = 3000, EstimatedOutputTokens = 1000 });
        TokenlayCheckResult check = await new TokenlayClient(emulator.CreateClientOptions()).Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "job", EstimatedOutputTokens = 0 });

        Assert.Equal(2, reservations); // the SDK retried
        Assert.Equal(4000, job.Held.Tokens);
        Assert.Equal(4000, Assert.Single(check.Limits).Current); // held once, not twice
    }
}
