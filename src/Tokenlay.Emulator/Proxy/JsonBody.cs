using System;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// Reads a request body as one JSON object, bounded in size and time, and fully parsed up front:
/// whatever arrives (invalid UTF-8, duplicate names, a trickle), the result is an object or a 4xx.
/// </summary>
internal static class JsonBody
{
    public static async Task<(JsonObject? Body, byte[] Bytes, RequestError? Error)> ReadAsync(HttpContext http, TokenlayEmulatorOptions options)
    {
        if (http.Request.ContentLength > options.MaxRequestBodyBytes)
        {
            return (null, [], TooLarge(options));
        }
        byte[] bytes;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted))
        {
            timeout.CancelAfter(options.RequestBodyTimeout);
            try
            {
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer, timeout.Token);
                bytes = buffer.ToArray();
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return (null, [], TooLarge(options));
            }
            catch (Exception e) when (e is BadHttpRequestException or OperationCanceledException or IOException && !http.RequestAborted.IsCancellationRequested)
            {
                // Kestrel's minimum data rate, or our own deadline: a body that trickles in holds a connection and memory.
                return (null, [], new RequestError(408, $"The request body did not arrive within {options.RequestBodyTimeout.TotalSeconds:0} seconds; send it at once.", "request_timeout"));
            }
        }
        try
        {
            if (JsonNode.Parse(bytes) is not JsonObject parsed)
            {
                return (null, bytes, new RequestError(400, "The request body must be a JSON object.", "invalid_json"));
            }
            // JsonObject reads its properties lazily and throws on a duplicate name only when first touched: touch them all now.
            Materialize(parsed);
            return (parsed, bytes, null);
        }
        catch (JsonException e)
        {
            return (null, bytes, new RequestError(400, $"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine}).", "invalid_json"));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or DecoderFallbackException)
        {
            return (null, bytes, new RequestError(400, "The request body is not valid JSON: a property name appears twice in one object, or the text is not UTF-8.", "invalid_json"));
        }
    }

    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var property in obj)
                {
                    Materialize(property.Value);
                }
                break;
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    Materialize(item);
                }
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                _ = value.GetValue<string>(); // transcodes now, so invalid UTF-8 fails here and not in a later stage
                break;
        }
    }

    private static RequestError TooLarge(TokenlayEmulatorOptions options) => new(413,
        $"The request body is larger than the emulator's limit of {options.MaxRequestBodyBytes} bytes (--max-body-bytes).", "request_too_large");
}
