using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json.Nodes;
using OpenAI.Chat;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.Tests.Companion;

/// <summary>
/// The companion client is shaped like the OpenAI library beside it (issue 26): every answer is a
/// ClientResult with its raw response, every method has a sync form, lists are collection results
/// with pages and continuation tokens, and protocol methods take a caller's body and RequestOptions.
/// </summary>
public class ClientResultShapeTests
{
    private static TokenlayClient Client(TokenlayEmulator emulator) => new(emulator.CreateClientOptions());

    private static async Task CallAsync(TokenlayEmulator emulator, int count, string user = "shape")
    {
        ChatClient chat = Emu.Chat(emulator);
        for (int i = 0; i < count; i++)
        {
            await Emu.AsUser(chat, user, $"question {i}");
        }
    }

    [Fact]
    public async Task An_answer_keeps_its_raw_response_next_to_its_model()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 2);
        TokenlayClient tokenlay = Client(emulator);

        ClientResult<TokenlayUsage> usage = await tokenlay.Usage.GetAsync();
        PipelineResponse raw = usage.GetRawResponse();

        Assert.Equal(200, raw.Status);
        Assert.Equal(2, usage.Value.Totals.Requests);
        Assert.Equal(2, (long)JsonNode.Parse(raw.Content.ToString())!["totals"]!["requests"]!);
    }

    [Fact]
    public async Task The_sync_forms_read_what_the_async_forms_read()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 5);
        TokenlayClient tokenlay = Client(emulator);
        var query = new TokenlayLogQuery { User = "shape", PageSize = 2 };

        TokenlayUsage asyncUsage = await tokenlay.Usage.GetAsync();
        TokenlayUsage syncUsage = tokenlay.Usage.Get();
        List<string> asyncIds = await tokenlay.Logs.ListAsync(query).Select(e => e.Id).ToListAsync();
        List<string> syncIds = tokenlay.Logs.List(query).Select(e => e.Id).ToList();
        TokenlayCheckResult check = tokenlay.Limits.Check(new TokenlayCheckRequest("gpt-4o-mini") { User = "shape" });
        TokenlayHealth health = tokenlay.CheckHealth();

        Assert.Equal(asyncUsage.Totals.Requests, syncUsage.Totals.Requests);
        Assert.Equal(asyncUsage.Totals.CostUsd, syncUsage.Totals.CostUsd);
        Assert.Equal(5, syncIds.Count);
        Assert.Equal(asyncIds, syncIds);
        Assert.True(check.Allowed);
        Assert.True(health.IsHealthy);
    }

    [Fact]
    public async Task A_list_gives_its_pages_with_raw_responses_and_a_continuation_token_that_resumes_the_walk()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 5);
        TokenlayLogsClient logs = Client(emulator).Logs;
        var query = new TokenlayLogQuery { PageSize = 2 };
        AsyncCollectionResult<TokenlayLogEntry> list = logs.ListAsync(query);

        List<ClientResult> pages = await list.GetRawPagesAsync().ToListAsync();
        ContinuationToken? afterFirst = list.GetContinuationToken(pages[0]);
        TokenlayLogPage resumed = await logs.GetPageAsync(query, afterFirst!.ToBytes().ToString());

        Assert.Equal(3, pages.Count);
        Assert.All(pages, page => Assert.Equal(200, page.GetRawResponse().Status));
        Assert.Equal(((ClientResult<TokenlayLogPage>)pages[1]).Value.Data.Select(e => e.Id), resumed.Data.Select(e => e.Id));
        Assert.Null(list.GetContinuationToken(pages[^1]));
    }

    [Fact]
    public async Task A_token_given_at_enumeration_cancels_the_page_requests()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 3);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var counter = new CountingPolicy();
        var options = new TokenlayClientOptions();
        options.AddPolicy(counter, PipelinePosition.PerCall);
        var tokenlay = new TokenlayClient(emulator.CreateClientOptions(), options);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (TokenlayLogEntry _ in tokenlay.Logs.ListAsync(new TokenlayLogQuery { PageSize = 1 }).WithCancellation(cancelled.Token))
            {
            }
        });
        Assert.Equal(0, counter.Count); // cancelled before any page was asked for
    }

    [Fact]
    public async Task A_sync_list_is_lazy_too()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 6);
        CollectionResult<TokenlayLogEntry> list = Client(emulator).Logs.List(new TokenlayLogQuery { PageSize = 2 });

        List<ClientResult> pages = list.GetRawPages().Take(2).ToList();
        List<TokenlayLogEntry> firstThree = list.Take(3).ToList();

        Assert.Equal(2, pages.Count);
        Assert.NotNull(list.GetContinuationToken(pages[1]));
        Assert.Equal(3, firstThree.Count);
    }

    [Fact]
    public async Task A_protocol_method_sends_the_callers_body_and_returns_the_raw_answer()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayClient tokenlay = Client(emulator);

        ClientResult answer = await tokenlay.Limits.CheckAsync(
            BinaryContent.Create(BinaryData.FromString("""{"model":"gpt-4o-mini","metadata":{"user":"ann"},"estimate":{"input_tokens":10,"output_tokens":10}}""")), null);

        Assert.Equal(200, answer.GetRawResponse().Status);
        Assert.True((bool)JsonNode.Parse(answer.GetRawResponse().Content.ToString())!["allowed"]!);
    }

    [Fact]
    public async Task A_protocol_error_throws_typed_unless_the_options_say_NoThrow()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        BinaryContent Invalid() => BinaryContent.Create(BinaryData.FromString("""{"input_tokens":-5}"""));

        ClientResult answer = await tokenlay.Usage.RecordAsync(Invalid(), new RequestOptions { ErrorOptions = ClientErrorBehaviors.NoThrow });
        var thrown = await Assert.ThrowsAsync<TokenlayValidationException>(() => tokenlay.Usage.RecordAsync(Invalid(), null));
        var thrownSync = Assert.Throws<TokenlayValidationException>(() => tokenlay.Usage.Record(Invalid(), null));

        Assert.Equal(400, answer.GetRawResponse().Status);
        Assert.Equal(400, thrown.Status);
        Assert.Equal(thrown.ErrorCode, thrownSync.ErrorCode);
        Assert.Equal(0, (await tokenlay.Usage.GetAsync()).Value.Totals.Requests);
    }

    [Fact]
    public async Task Protocol_request_options_carry_the_callers_headers()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayClient tokenlay = Client(emulator);
        const string Body = """{"model":"gpt-4o","metadata":{"user":"ann"},"estimate":{"cost_usd":0.10}}""";
        RequestOptions Options()
        {
            var options = new RequestOptions();
            options.SetHeader("x-tokenlay-idempotency-key", "job-42");
            return options;
        }

        ClientResult first = await tokenlay.Limits.ReserveAsync(BinaryContent.Create(BinaryData.FromString(Body)), Options());
        ClientResult again = tokenlay.Limits.Reserve(BinaryContent.Create(BinaryData.FromString(Body)), Options());

        string Id(ClientResult r) => (string)JsonNode.Parse(r.GetRawResponse().Content.ToString())!["id"]!;
        Assert.Equal(Id(first), Id(again)); // one hold, not two: the header went with both
    }

    [Fact]
    public async Task Removing_a_subject_that_is_not_blocked_is_false_with_the_404_as_its_raw_response()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        TokenlayBlocklistClient blocklist = Client(emulator).Blocklist;
        await blocklist.AddAsync("user:eve");

        ClientResult<bool> removed = await blocklist.RemoveAsync("user:eve");
        ClientResult<bool> again = blocklist.Remove("user:eve");

        Assert.True(removed.Value);
        Assert.Equal(200, removed.GetRawResponse().Status);
        Assert.False(again.Value);
        Assert.Equal(404, again.GetRawResponse().Status);
    }

    [Fact]
    public async Task The_callers_client_options_are_neither_changed_nor_frozen_so_they_serve_two_clients()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        var counter = new CountingPolicy();
        var shared = new TokenlayClientOptions();
        shared.AddPolicy(counter, PipelinePosition.PerCall);

        var strict = new TokenlayClient(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl, MaxRetries = 0 }, shared);
        var patient = new TokenlayClient(new TokenlayOptions { TokenlayKey = emulator.Key, TokenlayBaseUrl = emulator.BaseUrl, MaxRetries = 5 }, shared);
        shared.NetworkTimeout = TimeSpan.FromSeconds(30); // still settable: not frozen by the clients above
        await strict.CheckHealthAsync();
        await patient.CheckHealthAsync();

        Assert.Null(shared.RetryPolicy); // not filled in with the first client's retry settings
        Assert.Equal(2, counter.Count); // the caller's policy runs in both clients
    }

    [Fact]
    public async Task A_sync_export_writes_the_same_file_as_the_async_one()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        await CallAsync(emulator, 3);
        TokenlayClient tokenlay = Client(emulator);
        using var asyncLogs = new MemoryStream();
        using var syncLogs = new MemoryStream();
        using var syncUsage = new MemoryStream();

        long asyncBytes = await tokenlay.Logs.ExportAsync(null, asyncLogs, TokenlayExportFormat.JsonLines);
        long syncBytes = tokenlay.Logs.Export(null, syncLogs, TokenlayExportFormat.JsonLines);
        long usageBytes = tokenlay.Usage.Export(null, ["user"], syncUsage, TokenlayExportFormat.Csv);

        Assert.Equal(asyncBytes, syncBytes);
        Assert.Equal(asyncLogs.ToArray(), syncLogs.ToArray());
        Assert.Equal(3, System.Text.Encoding.UTF8.GetString(syncLogs.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(usageBytes, syncUsage.Length);
        Assert.Contains("shape", System.Text.Encoding.UTF8.GetString(syncUsage.ToArray()), StringComparison.Ordinal);
    }
}
