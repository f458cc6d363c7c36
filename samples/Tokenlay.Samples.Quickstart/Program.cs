// Tokenlay quickstart: the official OpenAI client, metered and limited per user by Tokenlay.
// With no TOKENLAY_KEY it runs offline against the Tokenlay emulator started in this process.
using System.ClientModel;
using OpenAI;
using OpenAI.Chat;
using Tokenlay;
using Tokenlay.Companion;
using Tokenlay.Emulator;
using Tokenlay.Emulator.Rules;

TokenlayEmulator? emulator = null;
TokenlayOptions options;
if (Environment.GetEnvironmentVariable("TOKENLAY_KEY") is { Length: > 0 })
{
    options = TokenlayOptions.FromEnvironment();
    Console.WriteLine($"Using Tokenlay at {options.TokenlayBaseUrl ?? TokenlayOptions.DefaultTokenlayBaseUrl}.");
}
else
{
    // The same rules format Tokenlay uses: free users get 2 calls a day, then they are blocked.
    emulator = await TokenlayEmulator.StartAsync(new TokenlayEmulatorOptions
    {
        Rules = RuleSet.Parse("""
            [{ "id": "free-tier", "if": { "plan": "free" },
               "then": { "limits": [ { "type": "requests", "max": 2, "window": "day", "per": "user" } ],
                         "on_limit_exceeded": { "action": "block", "error_message": "Free plan: 2 requests a day." } } }]
            """),
    });
    options = emulator.CreateClientOptions();
    Console.WriteLine($"No TOKENLAY_KEY set: running offline against the Tokenlay emulator at {emulator.BaseUrl}.");
}

try
{
    // The one line that changes: TokenlayOpenAIClient.Create instead of new OpenAIClient(...).
    OpenAIClient openai = TokenlayOpenAIClient.Create(options);
    ChatClient chat = openai.GetChatClient("gpt-4o-mini");

    // 1. A reply, with what Tokenlay metered for it.
    Console.WriteLine("\n1) A chat completion for user alice (plan pro):");
    using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", Plan = "pro", Feature = "quickstart" }))
    {
        ClientResult<ChatCompletion> result = await chat.CompleteChatAsync("Say hello to the Tokenlay .NET SDK.");
        TokenlayResponseInfo info = result.GetTokenlayInfo();
        Console.WriteLine($"   reply:   {result.Value.Content[0].Text}");
        Console.WriteLine($"   tokens:  {info.InputTokens} in + {info.OutputTokens} out = {info.TokensUsed}");
        Console.WriteLine($"   cost:    {(info.CostUsd is { } cost ? $"${cost:0.########}" : "unknown (no price for this model)")}");
        Console.WriteLine($"   model:   {info.Model}   request: {info.RequestId}");
    }

    // 2. A free-tier user running into a limit: a typed exception says which rule and when it resets.
    Console.WriteLine("\n2) User bob on the free plan makes three calls:");
    using (TokenlayScope.Begin(new TokenlayRequestContext { User = "bob", Plan = "free", Feature = "quickstart" }))
    {
        for (int call = 1; call <= 3; call++)
        {
            try
            {
                await chat.CompleteChatAsync($"Question {call}");
                Console.WriteLine($"   call {call}: ok");
            }
            catch (TokenlayLimitExceededException e)
            {
                Console.WriteLine($"   call {call}: blocked by rule '{e.RuleId}': {e.Message}");
                Console.WriteLine($"           limit: {e.Limit}; retry after {e.RetryAfter?.TotalHours:0.#} h");
            }
        }
    }

    // 3. A streamed reply: chunks print as they arrive; the scope callback reports the request.
    Console.WriteLine("\n3) A streamed reply for alice:");
    Console.Write("   ");
    using (TokenlayScope.Begin(new TokenlayRequestContext
    {
        User = "alice",
        Feature = "quickstart-stream",
        OnResponse = info => Console.Write($"[request {info.RequestId}, rule action {info.RuleAction}] "),
    }))
    {
        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("Stream a short greeting."))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate)
            {
                Console.Write(part.Text);
            }
            if (update.Usage is { } streamed)
            {
                Console.Write($"  ({streamed.InputTokenCount} in + {streamed.OutputTokenCount} out tokens)");
            }
        }
    }
    Console.WriteLine();

    // 4. Reading usage back: per-user totals from Tokenlay's usage API.
    Console.WriteLine("\n4) Usage per user, from TokenlayClient.Usage:");
    var tokenlay = new TokenlayClient(options);
    TokenlayUsage usage = await tokenlay.Usage.GetAsync();
    Console.WriteLine($"   {"user",-10} {"calls",6} {"tokens",8} {"cost (USD)",12}");
    foreach (TokenlayUserUsage user in usage.ByUser)
    {
        Console.WriteLine($"   {user.User ?? "(none)",-10} {user.Requests,6} {user.InputTokens + user.OutputTokens,8} {user.CostUsd,12:0.########}");
    }
    Console.WriteLine($"   {"total",-10} {usage.Totals.Requests,6} {usage.Totals.TotalTokens,8} {usage.Totals.CostUsd,12:0.########}");
    // Usage counts the calls that were served; a refused call cost nothing and is only in the call log.
    Console.WriteLine("   (the blocked call is not in these counts: it was refused before any tokens were used; TokenlayClient.Logs lists it)");
}
finally
{
    if (emulator is not null)
    {
        await emulator.DisposeAsync();
    }
}
