using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>Writes errors in the OpenAI shape, with Tokenlay's extension where it applies.</summary>
internal static class ErrorResponses
{
    public static JsonObject Body(string message, string type, string? code = null, string? param = null, JsonObject? tokenlay = null)
    {
        var error = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code, ["param"] = param };
        if (tokenlay is not null)
        {
            error["tokenlay"] = tokenlay;
        }
        return new JsonObject { ["error"] = error };
    }

    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? code = null, string? param = null, string source = "tokenlay") =>
        WriteAsync(context, status, Body(message, type, code, param), source);

    public static async Task WriteAsync(HttpContext context, int status, JsonObject body, string source = "tokenlay")
    {
        if (context.Response.HasStarted)
        {
            return; // a stream already began: the connection is closed instead (see the caller)
        }
        context.Response.StatusCode = status;
        context.Response.Headers[TokenlayHeaderNames.ErrorSource] = source;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
