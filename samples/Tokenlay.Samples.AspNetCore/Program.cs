// An ASP.NET Core minimal API using Tokenlay through DI: configuration-bound options validated at
// start, IHttpClientFactory + Polly, per-request user attribution, Tokenlay errors mapped to
// problem+json answers (429 for a rule block), a health check, usage read-back.
// Run it: dotnet run --project samples/Tokenlay.Samples.AspNetCore
// Try it:  curl -H "X-Demo-User: alice" "http://127.0.0.1:5080/ask?q=hello"
//          curl -H "X-Demo-User: alice" "http://127.0.0.1:5080/my-budget"
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.AI;
using Tokenlay;
using Tokenlay.AspNetCore;
using Tokenlay.Companion;
using Tokenlay.Emulator;
using Tokenlay.Emulator.Rules;

bool smoke = args.Contains("--smoke");
WebApplicationBuilder builder = WebApplication.CreateBuilder(args.Where(a => a != "--smoke").ToArray());
builder.WebHost.UseUrls(smoke ? "http://127.0.0.1:0" : builder.Configuration["urls"] ?? "http://127.0.0.1:5080");

// Offline by default: with no Tokenlay key configured, run against an in-process emulator.
TokenlayEmulator? emulator = null;
if (string.IsNullOrEmpty(builder.Configuration["Tokenlay:TokenlayKey"]))
{
    emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
    {
        Rules = RuleSet.Parse("""
            [{ "id": "free-tier", "if": { "plan": "free" },
               "then": { "limits": [ { "type": "requests", "max": 3, "window": "day", "per": "user" } ] } }]
            """),
    });
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Tokenlay:TokenlayKey"] = emulator.Key,
        ["Tokenlay:TokenlayBaseUrl"] = emulator.BaseUrl.ToString(),
        ["Tokenlay:Metadata:project"] = "aspnetcore-sample",
    });
}

builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddChatClient("gpt-4o-mini");
builder.Services.AddTokenlayUserContext(o => o.PlanClaim = "plan");
builder.Services.AddHealthChecks().AddTokenlay();
// A rule block becomes 429 with Retry-After and the rule and limit in problem+json; a Tokenlay outage 503.
builder.Services.AddProblemDetails();
builder.Services.AddTokenlayExceptionHandler();
builder.Services.AddAuthentication(DemoUserAuthentication.SchemeName)
    .AddScheme<AuthenticationSchemeOptions, DemoUserAuthentication>(DemoUserAuthentication.SchemeName, null);
builder.Services.AddAuthorization();

WebApplication app = builder.Build();
app.UseExceptionHandler();
app.UseAuthentication();
app.UseAuthorization();
app.UseTokenlayUserContext();

app.MapGet("/ask", async (string q, IChatClient chat, CancellationToken cancellationToken) =>
{
    ChatResponse reply = await chat.GetResponseAsync(q, cancellationToken: cancellationToken);
    return Results.Ok(new { answer = reply.Text });
}).RequireAuthorization().WithTokenlayFeature("ask");

app.MapGet("/my-usage", async (HttpContext http, TokenlayClient tokenlay, CancellationToken cancellationToken) =>
{
    TokenlayUsage usage = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { User = http.User.FindFirst("sub")?.Value }, cancellationToken);
    return Results.Ok(new { calls = usage.Totals.Requests, tokens = usage.Totals.TotalTokens, costUsd = usage.Totals.CostUsd });
}).RequireAuthorization();

// Ask before acting: what the signed-in user's next /ask call would meet, with nothing metered.
app.MapGet("/my-budget", async (HttpContext http, TokenlayClient tokenlay, CancellationToken cancellationToken) =>
{
    var request = new TokenlayCheckRequest("gpt-4o-mini") { User = http.User.FindFirst("sub")?.Value, Plan = http.User.FindFirst("plan")?.Value };
    TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(request, cancellationToken);
    return Results.Ok(new
    {
        allowed = check.Allowed,
        rule = check.RuleId,
        requestsLeft = check.Remaining("requests"),
        resetsAt = check.Limits.Select(l => l.ResetsAt).FirstOrDefault(),
    });
}).RequireAuthorization();

app.MapHealthChecks("/health");

if (!smoke)
{
    await app.RunAsync();
}
else
{
    // Calls its own endpoints once, prints what came back, and exits: how CI checks the sample.
    await app.StartAsync();
    using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    http.DefaultRequestHeaders.Add("X-Demo-User", "alice");
    for (int i = 1; i <= 4; i++)
    {
        HttpResponseMessage ask = await http.GetAsync("/ask?q=hello+" + i);
        Console.WriteLine($"GET /ask #{i} -> {(int)ask.StatusCode} {await ask.Content.ReadAsStringAsync()}");
    }
    Console.WriteLine($"GET /my-usage -> {await http.GetStringAsync("/my-usage")}");
    Console.WriteLine($"GET /my-budget -> {await http.GetStringAsync("/my-budget")}");
    Console.WriteLine($"GET /health -> {await http.GetStringAsync("/health")}");
    await app.StopAsync();
}
if (emulator is not null)
{
    await emulator.DisposeAsync();
}
