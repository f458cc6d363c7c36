using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// The Tokenlay headers of one call: provider key and base, idempotency key, reservation, and the
/// decoded metadata (<c>x-tokenlay-user</c>, <c>-org</c>, any custom field). Nothing that could be a
/// secret ever becomes metadata, because metadata is stored, logged and shown on the dashboard.
/// </summary>
internal sealed class RequestMetadata
{
    private const string Prefix = TokenlayHeaderNames.Prefix;

    // Control headers of the wire contract: read here, never metadata.
    private static readonly HashSet<string> s_control = new(StringComparer.OrdinalIgnoreCase)
    {
        "provider-key", "provider-base", "idempotency-key", "reservation", "signature", "key", "stream-summary", "key-ref", "key-provider",
    };

    // Fields named like credentials are dropped whatever their value.
    private static readonly string[] s_secretWords = ["key", "secret", "token", "password", "authorization", "credential", "cookie"];

    public string? ProviderKey { get; private init; }
    public string? ProviderBase { get; private init; }
    public string? IdempotencyKey { get; private init; }
    public string? ReservationId { get; private init; }

    /// <summary>The customer whose connected key the call is made with (<c>x-tokenlay-key-ref</c>).</summary>
    public string? KeyRef { get; private init; }

    /// <summary>Which of the customer's keys, when it has several (<c>x-tokenlay-key-provider</c>).</summary>
    public string? KeyProvider { get; private init; }

    /// <summary>The connected key named by <see cref="KeyRef"/>, opened by the read stage; set once, before the call is built.</summary>
    internal Keys.ResolvedKey? Key { get; set; }

    /// <summary>Whether the caller asked for a final <c>tokenlay.summary</c> event on a stream (<c>x-tokenlay-stream-summary</c>).</summary>
    public bool StreamSummary { get; private init; }
    public Dictionary<string, string> Values { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Metadata fields refused because their names look like secrets; reported as a warning, never their values.</summary>
    public List<string> Dropped { get; } = new();

    public string? this[string name] => Values.GetValueOrDefault(name);

    public static RequestMetadata From(IHeaderDictionary headers)
    {
        var metadata = new RequestMetadata
        {
            ProviderKey = Header(headers, TokenlayHeaderNames.ProviderKey),
            ProviderBase = Header(headers, TokenlayHeaderNames.ProviderBase),
            IdempotencyKey = Header(headers, TokenlayHeaderNames.IdempotencyKey),
            ReservationId = Header(headers, TokenlayHeaderNames.Reservation),
            KeyRef = Header(headers, TokenlayHeaderNames.KeyRef) is { } keyRef ? Decode(keyRef) : null,
            KeyProvider = Header(headers, TokenlayHeaderNames.KeyProvider),
            StreamSummary = Header(headers, TokenlayHeaderNames.StreamSummary) is not null,
        };
        foreach ((string name, StringValues value) in headers)
        {
            if (!name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            string field = name[Prefix.Length..].ToLowerInvariant();
            if (s_control.Contains(field))
            {
                continue;
            }
            if (LooksSecret(field))
            {
                metadata.Dropped.Add(field);
                continue;
            }
            metadata.Values[field] = Decode(value.ToString());
        }
        return metadata;
    }

    /// <summary>Builds metadata from a JSON body's <c>metadata</c> object (check, records, reservations), with the same filter.</summary>
    public static RequestMetadata From(IEnumerable<KeyValuePair<string, string>> fields)
    {
        var metadata = new RequestMetadata();
        foreach ((string name, string value) in fields)
        {
            string field = name.ToLowerInvariant();
            if (LooksSecret(field) || s_control.Contains(field))
            {
                metadata.Dropped.Add(field);
                continue;
            }
            metadata.Values[field] = value;
        }
        return metadata;
    }

    internal static bool LooksSecret(string field)
    {
        foreach (string word in s_secretWords)
        {
            if (field.Contains(word, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
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
        headers.TryGetValue(name, out StringValues v) && !string.IsNullOrWhiteSpace(v) ? v.ToString() : null;
}
