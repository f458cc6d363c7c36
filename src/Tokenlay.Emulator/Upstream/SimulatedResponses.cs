using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// The simulated Responses API: the full response object, and the streamed event sequence the
/// official SDKs' <c>responses.stream()</c> helpers build their state from (created, in_progress,
/// output_item.added, content_part.added, output_text.delta…, output_text.done, content_part.done,
/// output_item.done, completed or incomplete), each with its <c>sequence_number</c>.
/// </summary>
internal sealed class SimulatedResponses
{
    private readonly TimeProvider _time;

    public SimulatedResponses(TimeProvider time, ResponseArchive archive)
    {
        _time = time;
        Archive = archive;
    }

    public ResponseArchive Archive { get; }

    public JsonObject Complete(ProxyRequest request, string reply, bool truncated, long input, long output)
    {
        string id = "resp_" + Guid.NewGuid().ToString("N")[..24];
        JsonObject response = Response(request, id, "msg_" + Guid.NewGuid().ToString("N")[..24], reply, truncated ? "incomplete" : "completed", input, output);
        Keep(request, response);
        return response;
    }

    public async Task StreamAsync(ProxyRequest request, HttpResponse http, StreamProgress progress, string reply, bool truncated,
        IReadOnlyList<string> pieces, long input, long output, Func<CancellationToken, Task> chunkDelay, CancellationToken cancellationToken)
    {
        string id = "resp_" + Guid.NewGuid().ToString("N")[..24];
        string itemId = "msg_" + Guid.NewGuid().ToString("N")[..24];
        int sequence = 0;
        async Task Send(string type, JsonObject data)
        {
            data["type"] = type;
            data["sequence_number"] = sequence++;
            await http.WriteAsync("event: " + type + "\ndata: " + data.ToJsonString() + "\n\n", cancellationToken);
            await http.Body.FlushAsync(cancellationToken);
        }
        JsonObject Part(string text) => new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() };

        JsonObject inProgress = Response(request, id, itemId, "", "in_progress", 0, 0);
        await Send("response.created", new JsonObject { ["response"] = inProgress.DeepClone() });
        await Send("response.in_progress", new JsonObject { ["response"] = inProgress });
        await Send("response.output_item.added", new JsonObject
        {
            ["output_index"] = 0,
            ["item"] = new JsonObject { ["id"] = itemId, ["type"] = "message", ["status"] = "in_progress", ["role"] = "assistant", ["content"] = new JsonArray() },
        });
        await Send("response.content_part.added", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part("") });
        foreach (string piece in pieces)
        {
            await chunkDelay(cancellationToken);
            await Send("response.output_text.delta", new JsonObject
            {
                ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["delta"] = piece, ["logprobs"] = new JsonArray(),
            });
            progress.Relayed(piece);
        }
        await Send("response.output_text.done", new JsonObject
        {
            ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["text"] = reply, ["logprobs"] = new JsonArray(),
        });
        await Send("response.content_part.done", new JsonObject { ["item_id"] = itemId, ["output_index"] = 0, ["content_index"] = 0, ["part"] = Part(reply) });
        JsonObject final = Response(request, id, itemId, reply, truncated ? "incomplete" : "completed", input, output);
        await Send("response.output_item.done", new JsonObject { ["output_index"] = 0, ["item"] = final["output"]![0]!.DeepClone() });
        Keep(request, final);
        // The proxy's summary (when asked for) goes before the terminal event: clients stop reading there.
        await progress.EndingAsync(input, output, reported: false);
        await Send(truncated ? "response.incomplete" : "response.completed", new JsonObject { ["response"] = final });
    }

    private void Keep(ProxyRequest request, JsonObject response)
    {
        if (request.Body["store"]?.GetValueKind() != JsonValueKind.False)
        {
            Archive.Keep(response);
        }
    }

    /// <summary>The response object with every field the Responses API returns, echoing the request's settings.</summary>
    private JsonObject Response(ProxyRequest request, string id, string itemId, string reply, string status, long input, long output)
    {
        JsonObject body = request.Body;
        var outputItems = new JsonArray();
        if (status != "in_progress")
        {
            outputItems.Add(new JsonObject
            {
                ["id"] = itemId, ["type"] = "message", ["status"] = status == "incomplete" ? "incomplete" : "completed", ["role"] = "assistant",
                ["content"] = new JsonArray(new JsonObject { ["type"] = "output_text", ["text"] = reply, ["annotations"] = new JsonArray(), ["logprobs"] = new JsonArray() }),
            });
        }
        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = _time.GetUtcNow().ToUnixTimeSeconds(),
            ["status"] = status,
            ["background"] = false,
            ["error"] = null,
            ["incomplete_details"] = status == "incomplete" ? new JsonObject { ["reason"] = "max_output_tokens" } : null,
            ["instructions"] = body["instructions"]?.DeepClone(),
            ["max_output_tokens"] = body["max_output_tokens"]?.DeepClone(),
            ["metadata"] = body["metadata"] is JsonObject metadata ? metadata.DeepClone() : new JsonObject(),
            ["model"] = request.Model,
            ["output"] = outputItems,
            ["parallel_tool_calls"] = body["parallel_tool_calls"]?.DeepClone() ?? true,
            ["previous_response_id"] = body["previous_response_id"]?.DeepClone(),
            ["reasoning"] = new JsonObject { ["effort"] = body["reasoning"]?["effort"]?.DeepClone(), ["summary"] = null },
            ["service_tier"] = "default",
            ["store"] = body["store"]?.GetValueKind() != JsonValueKind.False,
            ["temperature"] = body["temperature"]?.DeepClone() ?? 1.0,
            ["text"] = body["text"] is JsonObject text ? text.DeepClone() : new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = body["tool_choice"]?.DeepClone() ?? "auto",
            ["tools"] = body["tools"]?.DeepClone() ?? new JsonArray(),
            ["top_p"] = body["top_p"]?.DeepClone() ?? 1.0,
            ["truncation"] = body["truncation"]?.DeepClone() ?? "disabled",
            ["usage"] = status == "in_progress"
                ? null
                : new JsonObject
                {
                    ["input_tokens"] = input, ["output_tokens"] = output, ["total_tokens"] = input + output,
                    ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = 0 },
                    ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
                },
            ["user"] = body["user"]?.DeepClone(),
        };
    }
}
