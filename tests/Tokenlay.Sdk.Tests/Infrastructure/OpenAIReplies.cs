using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>Minimal OpenAI-shaped bodies the fake proxy answers with.</summary>
public static class OpenAIReplies
{
    public static string ChatCompletion(string content, string model = "gpt-4o-mini") => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-test",
        @object = "chat.completion",
        created = 1_700_000_000,
        model,
        choices = new[] { new { index = 0, message = new { role = "assistant", content }, finish_reason = "stop" } },
        usage = new { prompt_tokens = 5, completion_tokens = 2, total_tokens = 7 },
    });

    public static string ChatChunk(string content) => JsonSerializer.Serialize(new
    {
        id = "chatcmpl-test",
        @object = "chat.completion.chunk",
        created = 1_700_000_000,
        model = "gpt-4o-mini",
        choices = new[] { new { index = 0, delta = new { content }, finish_reason = (string?)null } },
    });

    public static string Embeddings() => JsonSerializer.Serialize(new
    {
        @object = "list",
        data = new[] { new { @object = "embedding", index = 0, embedding = new[] { 0.1f, 0.2f, 0.3f } } },
        model = "text-embedding-3-small",
        usage = new { prompt_tokens = 3, total_tokens = 3 },
    });

    public static string Response(string text) => JsonSerializer.Serialize(new
    {
        id = "resp_test",
        @object = "response",
        created_at = 1_700_000_000,
        status = "completed",
        model = "gpt-4o-mini",
        output = new object[]
        {
            new
            {
                type = "message", id = "msg_test", status = "completed", role = "assistant",
                content = new object[] { new { type = "output_text", text, annotations = Array.Empty<object>() } },
            },
        },
        parallel_tool_calls = true,
        tools = Array.Empty<object>(),
        tool_choice = "auto",
        usage = new { input_tokens = 5, output_tokens = 2, total_tokens = 7, input_tokens_details = new { cached_tokens = 0 }, output_tokens_details = new { reasoning_tokens = 0 } },
    });

    public static string Error(string message, string type, string? code = null) =>
        JsonSerializer.Serialize(new { error = new { message, type, code, param = (string?)null } });

    public static async Task WriteJsonAsync(HttpContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, Encoding.UTF8);
    }

    public static async Task WriteSseEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n");
        await context.Response.Body.FlushAsync();
    }
}
