#pragma warning disable OPENAI001 // the Responses client is marked experimental by the OpenAI library
using System.ClientModel;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Responses;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, items 1 and 2: the Responses API as the official clients consume it.</summary>
public class ResponsesApiTests
{
    private static readonly string[] s_eventSequence =
    [
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ];

    [Fact]
    public async Task A_streamed_response_sends_the_full_event_sequence_with_sequence_numbers()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.PostAsync("/v1/responses", Emu.Json("""{"model":"gpt-4o","stream":true,"input":"one two three"}"""));
        string[] lines = (await response.Content.ReadAsStringAsync()).Split('\n');

        JsonNode[] events = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!).ToArray();
        string[] types = events.Select(e => (string)e["type"]!).ToArray();
        Assert.Equal(s_eventSequence, types.Where((t, i) => i == 0 || t != types[i - 1])); // deltas collapse to one
        Assert.Equal(Enumerable.Range(0, events.Length), events.Select(e => (int)e["sequence_number"]!));
        Assert.Single(events.Where(e => e["response"] is not null).Select(e => (string)e["response"]!["id"]!).Distinct());
        Assert.Equal(lines.Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]), types);
    }

    [Fact]
    public async Task The_official_dotnet_client_streams_builds_and_reads_back_a_response()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ResponsesClient responses = Emu.Sdk(emulator).GetResponsesClient();

        string text = "";
        ResponseResult? completed = null;
        var kinds = new List<StreamingResponseUpdateKind>();
        await foreach (StreamingResponseUpdate update in await responses.CreateResponseStreamingAsync("gpt-4o", "hello stream", null))
        {
            kinds.Add(update.Kind);
            if (update is StreamingResponseOutputTextDeltaUpdate delta)
            {
                text += delta.Delta;
            }
            if (update is StreamingResponseCompletedUpdate done)
            {
                completed = done.Response;
            }
        }

        Assert.Contains("hello stream", text);
        Assert.NotNull(completed);
        Assert.Equal(text, completed!.GetOutputText());
        Assert.Contains(kinds, k => k == StreamingResponseUpdateKind.ResponseOutputItemAdded);
        ResponseResult stored = (await responses.GetResponseAsync(completed.Id)).Value;
        Assert.Equal(text, stored.GetOutputText());
        Assert.Equal(ResponseStatus.Completed, stored.Status);
        Assert.True((await responses.DeleteResponseAsync(completed.Id)).Value.Deleted);
        await Assert.ThrowsAnyAsync<ClientResultException>(() => responses.GetResponseAsync(completed.Id));
    }

    [Fact]
    public async Task A_response_body_carries_the_fields_the_api_returns_and_stops_at_max_output_tokens()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode body = JsonNode.Parse(await (await http.PostAsync("/v1/responses",
            Emu.Json("""{"model":"gpt-4o","input":"write a very long story about the sea","instructions":"be brief","max_output_tokens":3}"""))).Content.ReadAsStringAsync())!;

        foreach (string field in new[] { "status", "error", "incomplete_details", "instructions", "text", "truncation", "tools", "parallel_tool_calls", "tool_choice", "usage", "store", "metadata" })
        {
            Assert.True(body.AsObject().ContainsKey(field), $"missing '{field}'");
        }
        Assert.Equal("incomplete", (string?)body["status"]);
        Assert.Equal("max_output_tokens", (string?)body["incomplete_details"]!["reason"]);
        Assert.Equal("be brief", (string?)body["instructions"]);
        Assert.InRange((int)body["usage"]!["output_tokens"]!, 1, 3);
    }
}
