using System.ClientModel;
using System.Collections.Generic;

namespace Tokenlay.Companion;

/// <summary>
/// One request to Tokenlay's own API, described once so that the sync, async and protocol forms of a
/// method send exactly the same thing.
/// </summary>
internal sealed class TokenlayApiRequest
{
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The path under the base URL.</param>
    /// <param name="what">Names the request in error messages ("the usage request").</param>
    public TokenlayApiRequest(string method, string path, string what)
    {
        Method = method;
        Path = path;
        What = what;
    }

    public string Method { get; }

    public string Path { get; }

    public string What { get; }

    /// <summary>Query parameters; null values are left out.</summary>
    public IEnumerable<KeyValuePair<string, string?>>? Query { get; init; }

    /// <summary>The JSON body, if any.</summary>
    public BinaryContent? Content { get; init; }

    /// <summary>The JSON body as bytes (the convenience methods write it so).</summary>
    public byte[]? Body
    {
        init => Content = value is null ? null : Json(value);
    }

    /// <summary>A body the convenience methods wrote, as the content the protocol forms take.</summary>
    public static BinaryContent Json(byte[] body) => BinaryContent.Create(System.BinaryData.FromBytes(body));

    /// <summary>A secret in the body (a customer's key) that no exception message may ever carry.</summary>
    public string? Secret { get; init; }

    /// <summary>An <c>x-tokenlay-idempotency-key</c> header, fixed before the pipeline's retries so each retry resends it.</summary>
    public string? IdempotencyKey { get; init; }
}
