using System.Collections.Generic;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>A finished call's answer as sent, replayed byte for byte to a retry with the same idempotency key.</summary>
internal sealed record StoredResponse(int Status, string? ContentType, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body)
{
    /// <summary>The answer being sent on <paramref name="http"/>, with <paramref name="body"/>: its status, type and the headers a replay repeats.</summary>
    public static StoredResponse Of(HttpContext http, byte[] body)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues value) in http.Response.Headers)
        {
            if (name.StartsWith(TokenlayHeaderNames.Prefix, System.StringComparison.OrdinalIgnoreCase) || name is TokenlayHeaderNames.OpenAIRequestId or "Cache-Control")
            {
                headers.Add(new(name, value.ToString()));
            }
        }
        return new StoredResponse(http.Response.StatusCode, http.Response.ContentType, headers, body);
    }

    /// <summary>Sends the stored answer again, marked <c>x-tokenlay-idempotent-replayed: true</c> (Stripe's <c>Idempotent-Replayed</c>).</summary>
    public async Task ReplayAsync(HttpContext http)
    {
        http.Response.StatusCode = Status;
        foreach ((string name, string value) in Headers)
        {
            http.Response.Headers[name] = value;
        }
        http.Response.Headers[TokenlayHeaderNames.IdempotentReplayed] = "true";
        http.Response.ContentType = ContentType;
        await http.Response.Body.WriteAsync(Body, http.RequestAborted);
    }
}
