using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>The Tokenlay headers of one call: keys, idempotency key and decoded metadata.</summary>
internal sealed class RequestMetadata
{
    private static readonly HashSet<string> NotMetadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "provider-key", "provider-base", "idempotency-key", "signature",
    };

    public string? ProviderKey { get; private init; }
    public string? ProviderBase { get; private init; }
    public string? IdempotencyKey { get; private init; }
    public Dictionary<string, string> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    public string? this[string name] => Values.GetValueOrDefault(name);

    public static RequestMetadata From(IHeaderDictionary headers)
    {
        var metadata = new RequestMetadata
        {
            ProviderKey = Header(headers, "x-tokenlay-provider-key"),
            ProviderBase = Header(headers, "x-tokenlay-provider-base"),
            IdempotencyKey = Header(headers, "x-tokenlay-idempotency-key"),
        };
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues value) in headers)
        {
            if (name.StartsWith("x-tokenlay-", StringComparison.OrdinalIgnoreCase))
            {
                string key = name["x-tokenlay-".Length..].ToLowerInvariant();
                if (!NotMetadata.Contains(key))
                {
                    metadata.Values[key] = Decode(value.ToString());
                }
            }
        }
        return metadata;
    }

    // The SDK percent-encodes non-ASCII values and literal '%', so decoding is always safe.
    private static string Decode(string value)
    {
        try
        {
            return value.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(value) : value;
        }
        catch (UriFormatException)
        {
            return value;
        }
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
}
