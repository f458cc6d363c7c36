// Every ```csharp block of README.md, compiled. ReadmeTests checks that each block appears here
// line for line, so the README cannot drift from code that builds.
using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using OpenAI.Chat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.AI;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Tokenlay.AspNetCore;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Docs;

internal static class ReadmeSnippets
{
    public static async Task Quickstart()
    {
        OpenAIClient openai = TokenlayOpenAIClient.Create(TokenlayOptions.FromEnvironment());
        ChatClient chat = openai.GetChatClient("gpt-4o-mini");

        ChatCompletion reply = await chat.CompleteChatAsync("Hello!");
        Console.WriteLine(reply.Content[0].Text);
    }

    public static OpenAIClient Options()
    {
        var options = new TokenlayOptions
        {
            TokenlayKey = Environment.GetEnvironmentVariable("TOKENLAY_KEY"),
            ProviderApiKey = Environment.GetEnvironmentVariable("PROVIDER_API_KEY"),
            ProviderApiBase = new Uri("https://api.mistral.ai/v1"),
            Metadata = { ["project"] = "support-bot" },
            OnResponse = info => Console.WriteLine(info), // one line per call: request id, tokens, cost, rule
        };
        OpenAIClient openai = TokenlayOpenAIClient.Create(options);
        return openai;
    }

    public static async Task Scope(ChatClient chat, string userId)
    {
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = userId, Plan = "pro", Feature = "summarize" }))
        {
            ChatCompletion summary = await chat.CompleteChatAsync("Summarize: ...");
        }
    }

    public static async Task Byok(ChatClient chat, (string Id, string OpenAIKey) customer)
    {
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = customer.Id, ProviderApiKey = customer.OpenAIKey }))
        {
            await chat.CompleteChatAsync("...");
        }
    }

    public static async Task CustomersOwnKeys(ChatClient chat, string customersOpenRouterKey, string customersNewOpenRouterKey)
    {
        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());
        TokenlayConnectedKey key = await tokenlay.Keys.ConnectAsync(
            new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAICompatible, customersOpenRouterKey)
            {
                BaseUrl = new Uri("https://openrouter.ai/api/v1"),
                Label = "Acme's OpenRouter key",
            });
        Console.WriteLine(key); // TokenlayConnectedKey { Id = key_…, RefId = acme, …, KeyHint = ****1a2b, Status = active }

        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", KeyRef = "acme" }))
        {
            ChatCompletion reply = await chat.CompleteChatAsync("Hello!");
        }

        await tokenlay.Keys.RotateAsync(key.Id, customersNewOpenRouterKey); // the next call uses the new key
        await tokenlay.Keys.RevokeAsync(key.Id); // later calls for acme: TokenlayKeyNotConnectedException
    }

    public static async Task PerCall(ChatClient chat, string json)
    {
        RequestOptions perCall = new RequestOptions().AddTokenlayContext(new TokenlayRequestContext { User = "u_42" });
        ClientResult raw = await chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(json)), perCall);
    }

    public static async Task ResponseInfo(ChatClient chat)
    {
        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync("Hello!");
        TokenlayResponseInfo info = result.GetTokenlayInfo();
        Console.WriteLine($"{info.RequestId}: {info.TokensUsed} tokens, ${info.CostUsd}, model {info.Model}, rule {info.RuleId} ({info.RuleAction})");
        foreach (string warning in info.Warnings)
        {
            Console.WriteLine("warning: " + warning);
        }
    }

    public static async Task Streaming(ChatClient chat)
    {
        string? requestId = null;
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", OnResponse = i => requestId = i.RequestId }))
        {
            await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("Stream this"))
            {
                Console.Write(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            }
        }
    }

    public static async Task Errors(ChatClient chat)
    {
        try
        {
            await chat.CompleteChatAsync("...");
        }
        catch (TokenlayLimitExceededException e)
        {
            Console.WriteLine($"Limit reached ({e.Limit}); try again in {e.RetryAfter}. Rule: {e.RuleId}");
        }
        catch (TokenlayException e) when (e.Status >= 500)
        {
            Console.WriteLine($"Tokenlay is having trouble; request {e.RequestId}");
        }
    }

    public static async Task ReadingUsage()
    {
        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());

        TokenlayUsage usage = await tokenlay.Usage.GetAsync(new TokenlayUsageQuery { Org = "acme", Since = DateTimeOffset.UtcNow.AddDays(-30) });
        Console.WriteLine($"{usage.Totals.Requests} calls, {usage.Totals.TotalTokens} tokens, ${usage.Totals.CostUsd}");
        foreach (TokenlayUserUsage user in usage.ByUser)
        {
            Console.WriteLine($"{user.User}: {user.Requests} calls, ${user.CostUsd}");
        }
        foreach (string model in usage.UnknownModels)
        {
            Console.WriteLine($"{model} has no price: its calls are not in the cost");
        }

        await foreach (TokenlayLogEntry entry in tokenlay.Logs.ListAsync(new TokenlayLogQuery { User = "alice", Success = false }))
        {
            Console.WriteLine($"{entry.Timestamp:u} {entry.ModelUsed} {entry.Status} {entry.Error}");
        }

        await tokenlay.Pricing.UpdateAsync("openai", "my-finetune", new TokenlayModelPrice(input: 0.5m, output: 2.0m));
    }

    public static async Task Budgets()
    {
        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());
        ChatClient chat = TokenlayOpenAIClient.Create(TokenlayOptions.FromEnvironment()).GetChatClient("gpt-4o");

        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "alice", Plan = "free" });
        Console.WriteLine(check.Allowed
            ? $"{check.Remaining("requests")} requests left today"
            : $"blocked by rule {check.RuleId} until {check.ResetsAt:u}");

        TokenlayRecordResult recorded = await tokenlay.Usage.RecordAsync(
            new TokenlayUsageRecord("gpt-4o-realtime-preview", inputTokens: 1200, outputTokens: 300) { User = "alice", IdempotencyKey = "realtime-session-42" });
        Console.WriteLine(recorded.LimitExceeded ? $"alice is now over {recorded.Limit}" : $"recorded as {recorded.Entry.Id}");

        await using TokenlayReservation job = await tokenlay.Limits.ReserveAsync(
            new TokenlayReservationRequest("gpt-4o") { User = "alice", EstimatedCostUsd = 0.25m, TimeToLive = TimeSpan.FromMinutes(10) });
        using (job.BeginScope(new TokenlayRequestContext { User = "alice" }))
        {
            await chat.CompleteChatAsync("Step 1 of the agent job"); // admitted against the $0.25 held
        }
        await job.CommitAsync(inputTokens: 800, outputTokens: 200); // work done elsewhere, against the same hold
        Console.WriteLine($"held {job.Held}, used {job.Used}");
    }

    public static void Webhooks(WebApplication app, string webhookSecret)
    {
        app.MapPost("/hooks/tokenlay", async (HttpRequest request) =>
        {
            string body = await new StreamReader(request.Body).ReadToEndAsync();
            try
            {
                TokenlayWebhookEvent e = TokenlayWebhooks.ConstructEvent(body, request.Headers[TokenlayWebhooks.SignatureHeader], webhookSecret);
                if (e is TokenlayLimitEvent limit)
                {
                    Console.WriteLine($"{limit.User} hit {limit.Limit} under rule {limit.RuleId}: {limit.Action}");
                }
                return Results.Ok();
            }
            catch (TokenlayWebhookSignatureException)
            {
                return Results.BadRequest();
            }
        });
    }

    public static async Task IntentLabels(ChatClient chat)
    {
        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync("This is useless, you are not helping.");
        foreach (TokenlayLabel label in result.GetTokenlayInfo().Labels)
        {
            if (label == TokenlayLabel.Frustration)
            {
                Console.WriteLine("offer a human");
            }
        }

        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());
        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "alice" });
        Console.WriteLine($"alice, last 24 hours: {string.Join(", ", check.RecentLabels)}");
        await foreach (TokenlayLogEntry entry in tokenlay.Logs.ListAsync(new TokenlayLogQuery { Label = TokenlayLabel.Jailbreak }))
        {
            Console.WriteLine($"{entry.Timestamp:u} {entry.User} {entry.Id}");
        }
    }

    public static void LabelWebhook(string body, string signatureHeader, string webhookSecret)
    {
        TokenlayWebhookEvent received = TokenlayWebhooks.ConstructEvent(body, signatureHeader, webhookSecret);
        if (received is TokenlayLabelEvent labeled)
        {
            Console.WriteLine($"{labeled.User}: {string.Join(", ", labeled.Labels)} in the {labeled.Part} of {labeled.RequestId}");
        }
    }

    public static void Hosting(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay")).AddChatClient("gpt-4o-mini");
        builder.Services.AddTokenlayUserContext(o => o.OrgClaim = "org_id");
        builder.Services.AddHealthChecks().AddTokenlay();
        builder.Services.AddProblemDetails();
        builder.Services.AddTokenlayExceptionHandler(); // a rule block is a 429 with Retry-After, a Tokenlay outage a 503

        WebApplication app = builder.Build();
        app.UseExceptionHandler();
        app.UseTokenlayUserContext(); // every LLM call made for a request is attributed to its signed-in user

        app.MapGet("/ask", async (string q, IChatClient chat) => (await chat.GetResponseAsync(q)).Text)
            .WithTokenlayFeature("ask");
        app.MapHealthChecks("/health");
        app.Run();
    }

    public static void ChatClientRegistration(WebApplicationBuilder builder)
    {
        builder.Services.AddTokenlay(builder.Configuration.GetSection("Tokenlay"))
            .AddChatClient("gpt-4o-mini")
            .UseFunctionInvocation()
            .UseOpenTelemetry();
    }

    [System.ComponentModel.Description("Gets the weather for a city.")]
    private static string GetWeather(string city) => "sunny in " + city;

    public static async Task ChatClientContext(IChatClient chat)
    {
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather)] }
            .WithTokenlayContext(new TokenlayRequestContext { User = "alice", Feature = "support" });

        ChatResponse response = await chat.GetResponseAsync("What is the weather in Paris?", options);
        TokenlayResponseInfo? info = response.GetTokenlayInfo();
        Console.WriteLine($"{response.Text} ({info?.TokensUsed} tokens, ${info?.CostUsd} for the whole tool loop)");
    }

    public static void OpenTelemetrySetup(WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource("Tokenlay.Sdk").AddConsoleExporter())
            .WithMetrics(metrics => metrics.AddMeter("Tokenlay.Sdk").AddConsoleExporter());
    }

    public static async Task Emulator()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        OpenAIClient client = TokenlayOpenAIClient.Create(emulator.CreateClientOptions());
    }

    public static async Task Credits()
    {
        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());
        ChatClient chat = TokenlayOpenAIClient.Create(TokenlayOptions.FromEnvironment()).GetChatClient("gpt-4o-mini");

        await tokenlay.Credits.Tiers.UpsertAsync(new TokenlayCreditTier("pro", allocation: 10_000m, period: "month")
        {
            RolloverMax = 2_000m,
            Alerts = [TokenlayCreditAlert.BelowPercent(20)],
        });
        await tokenlay.Credits.SetTierAsync("user:alice", "pro", resetBalance: true);
        await tokenlay.Credits.GrantAsync(new TokenlayCreditGrantRequest("user:alice", 500m) { Category = "promotional", IdempotencyKey = "signup-bonus-alice" });

        try
        {
            using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", Plan = "pro" }))
            {
                ClientResult<ChatCompletion> reply = await chat.CompleteChatAsync("Summarize my week");
                TokenlayResponseInfo info = reply.GetTokenlayInfo();
                Console.WriteLine($"{info.CreditsUsed} credits used, {info.CreditsRemaining} left");
            }
        }
        catch (TokenlayInsufficientCreditsException e)
        {
            Console.WriteLine($"{e.Account} has {e.Available} credits; this call needs {e.Required}");
        }

        TokenlayCreditAccount account = await tokenlay.Credits.GetAccountAsync("user:alice");
        Console.WriteLine($"{account.Available} available ({account.Held} held), next refill {account.NextRefillAt:u}");
        await foreach (TokenlayCreditTransaction t in tokenlay.Credits.ListTransactionsAsync("user:alice"))
        {
            Console.WriteLine($"{t.CreatedAt:u} {t.Type,-10} {t.Amount,12} -> {t.BalanceAfter}");
        }
    }

    public static async Task RunMetered(TokenlayClient tokenlay, ILocalModel localModel, string document)
    {
        TokenlayMeteredResult<LocalAnswer> job = await tokenlay.Limits.RunMeteredAsync(
            new TokenlayReservationRequest("llama-3-70b") { User = "alice", EstimatedInputTokens = 2_000, EstimatedOutputTokens = 500 },
            (reservation, ct) => localModel.SummarizeAsync(document, ct),
            answer => (answer.InputTokens, answer.OutputTokens));
        Console.WriteLine(job.Status switch
        {
            TokenlayMeteredStatus.Succeeded => job.Value!.Text,
            TokenlayMeteredStatus.Refused => $"not enough budget: {job.Exception!.Message}",
            _ => $"the job failed: {job.Exception!.Message}",
        });
    }

    public static async Task Guardrails()
    {
        var tokenlay = new TokenlayClient(TokenlayOptions.FromEnvironment());

        await tokenlay.Blocklist.AddAsync("user:mallory", until: DateTimeOffset.UtcNow.AddDays(7), reason: "chargeback under review");
        TokenlayCheckResult check = await tokenlay.Limits.CheckAsync(new TokenlayCheckRequest("gpt-4o-mini") { User = "mallory" });
        if (check.IsBlocked)
        {
            Console.WriteLine($"blocked until {check.Block!.Until:u}: {check.Block.Reason}");
        }
        await foreach (TokenlayBlockEntry entry in tokenlay.Blocklist.ListAsync())
        {
            Console.WriteLine(entry);
        }
        await tokenlay.Blocklist.RemoveAsync("user:mallory");

        await using (FileStream file = File.Create("alice-december.csv"))
        {
            await tokenlay.Logs.ExportAsync(new TokenlayLogQuery { User = "alice", Since = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero) }, file, TokenlayExportFormat.Csv);
        }
        await using (FileStream totals = File.Create("usage-by-day-and-user.csv"))
        {
            await tokenlay.Usage.ExportAsync(new TokenlayUsageQuery { Org = "acme" }, ["day", "user"], totals, TokenlayExportFormat.Csv);
        }
    }

    public static async Task BlockedAndAlerts(ChatClient chat, string body, string signature, string secret)
    {
        try
        {
            await chat.CompleteChatAsync("...");
        }
        catch (TokenlayBlockedException e)
        {
            Console.WriteLine($"{e.Subject} is blocked until {e.Until?.ToString("u") ?? "removed"}: {e.Reason}");
        }

        switch (TokenlayWebhooks.ConstructEvent(body, signature, secret))
        {
            case TokenlayThresholdEvent t:
                Console.WriteLine($"{t.Subject} is at {t.Current} of {t.Max} (threshold {t.Threshold}, {t.ThresholdKind}) on rule {t.RuleId}; resets {t.WindowResetsAt:u}");
                break;
            case TokenlayCreditBalanceEvent c:
                Console.WriteLine($"{c.Account} has {c.Available} credits left" + (c.IsExhausted ? ": exhausted" : ""));
                break;
        }
    }
}

/// <summary>Your own local model, as the RunMeteredAsync snippet calls it.</summary>
internal interface ILocalModel
{
    Task<LocalAnswer> SummarizeAsync(string document, CancellationToken cancellationToken);
}

internal sealed record LocalAnswer(string Text, long InputTokens, long OutputTokens);


// The README's xunit fixture pattern: compiled, and run as a test of this suite.
public sealed class EmulatorFixture : IAsyncLifetime
{
    public TokenlayEmulator Emulator { get; private set; } = null!;

    public async Task InitializeAsync() => Emulator = await TokenlayEmulator.StartAsync();

    public async Task DisposeAsync() => await Emulator.DisposeAsync();
}

public class MyChatFeatureTests(EmulatorFixture fixture) : IClassFixture<EmulatorFixture>
{
    [Fact]
    public async Task Calls_are_metered_per_user()
    {
        OpenAIClient client = TokenlayOpenAIClient.Create(fixture.Emulator.CreateClientOptions());
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "test-user" }))
        {
            await client.GetChatClient("gpt-4o-mini").CompleteChatAsync("hello");
        }
        Assert.Contains(fixture.Emulator.Store.Snapshot(), e => e.User == "test-user");
    }
}
