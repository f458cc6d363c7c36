using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>One entry of a connected key's append-only audit trail.</summary>
public sealed class TokenlayKeyEvent
{
    /// <summary>The event's id.</summary>
    public string Id { get => _id ?? ""; init => _id = value; }

    private readonly string? _id;

    /// <summary>The key it is about.</summary>
    public string KeyId { get => _keyId ?? ""; init => _keyId = value; }

    private readonly string? _keyId;

    /// <summary><c>connected</c>, <c>validated</c>, <c>rotated</c>, <c>revoked</c> or <c>used</c> (the key's first use).</summary>
    public string Type { get => _type ?? ""; init => _type = value; }

    private readonly string? _type;

    /// <summary>When it happened.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The id of the Tokenlay key that acted (never the key itself).</summary>
    public string? Actor { get; init; }

    /// <summary>For <c>validated</c>: <c>valid</c>, <c>invalid</c>, <c>unverified</c> or <c>error</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>What the provider said, for a failed validation.</summary>
    public string? Detail { get; init; }
}

/// <summary>One page of <see cref="Companion.TokenlayKeysClient.ListAsync"/>.</summary>
public sealed class TokenlayConnectedKeyPage : Companion.ITokenlayPage<TokenlayConnectedKey>
{
    /// <summary>The keys, oldest first.</summary>
    public IReadOnlyList<TokenlayConnectedKey> Data { get => _data ?? Array.Empty<TokenlayConnectedKey>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayConnectedKey>? _data;

    /// <summary>Pass to get the next page; null on the last.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>One page of <see cref="Companion.TokenlayKeysClient.ListEventsAsync"/>.</summary>
public sealed class TokenlayKeyEventPage : Companion.ITokenlayPage<TokenlayKeyEvent>
{
    /// <summary>The events, oldest first.</summary>
    public IReadOnlyList<TokenlayKeyEvent> Data { get => _data ?? Array.Empty<TokenlayKeyEvent>(); init => _data = value; }

    private readonly IReadOnlyList<TokenlayKeyEvent>? _data;

    /// <summary>Pass to get the next page; null on the last.</summary>
    public string? NextCursor { get; init; }
}

/// <summary>Filters for <see cref="Companion.TokenlayKeysClient.ListAsync"/>; unset filters match every key.</summary>
public sealed class TokenlayKeyQuery
{
    /// <summary>Only this customer's keys.</summary>
    public string? RefId { get; set; }

    /// <summary>Only keys for this provider.</summary>
    public TokenlayKeyProvider? Provider { get; set; }

    /// <summary>Only keys in this status.</summary>
    public TokenlayKeyStatus? Status { get; set; }

    /// <summary>Keys per page, 1 to 100; the server's default (50) when null.</summary>
    public int? PageSize { get; set; }
}
