using System;
using System.IO;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Idempotency;
using Tokenlay.Emulator.Proxy;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Makes a creating POST whose handler writes its own answer idempotent (issue 25, item 11: a
/// reservation retried after a lost answer must not hold the budget twice). The key comes from
/// <c>x-tokenlay-idempotency-key</c> or the body's <c>idempotency_key</c>; the first successful
/// (2xx) answer under it is kept and replayed to the same request, another request under the key
/// gets 409, and a refusal or error frees the key so a later retry is judged afresh, as for
/// proxied calls and usage records.
/// </summary>
internal static class IdempotentCreate
{
    public static Func<HttpContext, Task> Wrap(IdempotencyStore store, TokenlayEmulatorOptions options, Func<HttpContext, Task> handler) => async http =>
    {
        string? key = RequestMetadata.From(http.Request.Headers).IdempotencyKey;
        byte[]? body = await BufferBodyAsync(http, options.MaxRequestBodyBytes);
        if (body is null)
        {
            await handler(http); // too large or unreadable: the handler's own reading answers it
            return;
        }
        key ??= BodyKey(body);
        string fingerprint = key is null ? "" : RequestFingerprint.Of(http.Request.Path, http.Request.Headers.Authorization.ToString(), new System.Collections.Generic.Dictionary<string, string>(), body);
        await store.RunAsync(http, key, fingerprint, "idempotency_key", async keyed =>
        {
            if (!keyed)
            {
                await handler(http);
                return null;
            }
            Stream original = http.Response.Body;
            var capture = new ResponseCapture(original);
            http.Response.Body = capture;
            try
            {
                await handler(http);
            }
            finally
            {
                http.Response.Body = original;
            }
            return http.Response.StatusCode is >= 200 and < 300 && !capture.Overflowed ? StoredResponse.Of(http, capture.Captured) : null;
        });
    };

    // The body, kept readable for the handler; null when it is larger than the emulator accepts or cannot be read.
    private static async Task<byte[]?> BufferBodyAsync(HttpContext http, long maxBytes)
    {
        if (http.Request.ContentLength > maxBytes)
        {
            return null;
        }
        http.Request.EnableBuffering();
        try
        {
            using var copy = new MemoryStream();
            await http.Request.Body.CopyToAsync(copy, http.RequestAborted);
            http.Request.Body.Position = 0;
            return copy.Length > maxBytes ? null : copy.ToArray();
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException)
        {
            return null;
        }
    }

    private static string? BodyKey(byte[] body)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("idempotency_key", out JsonElement key) && key.ValueKind == JsonValueKind.String
                && key.GetString() is { Length: > 0 and <= 255 } text
                ? text
                : null;
        }
        catch (JsonException)
        {
            return null; // the handler answers the malformed body
        }
    }
}
