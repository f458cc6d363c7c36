using System;

namespace Tokenlay;

/// <summary>A subject on the blocklist: its calls, records and reservations are refused with <see cref="TokenlayBlockedException"/>.</summary>
public sealed class TokenlayBlockEntry
{
    /// <summary>The blocked subject, written <c>per:key</c> (<c>user:alice</c>, <c>org:acme</c>).</summary>
    public string Subject { get => _subject ?? ""; init => _subject = value; }

    private readonly string? _subject;

    /// <summary>Why, as given.</summary>
    public string? Reason { get; init; }

    /// <summary>When the block ends (UTC); null when it lasts until removed.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>When the subject was blocked (UTC).</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The rule whose <c>on_limit_exceeded.block_for</c> added the entry; null for one added by hand.</summary>
    public string? RuleId { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Subject} blocked" + (Until is { } at ? $" until {at:u}" : " until removed") + (Reason is null ? "" : $": {Reason}");
}

/// <summary>One page of the blocklist, by subject.</summary>
public sealed class TokenlayBlockEntryPage : Companion.ITokenlayPage<TokenlayBlockEntry>
{
    /// <summary>The entries of this page.</summary>
    public System.Collections.Generic.IReadOnlyList<TokenlayBlockEntry> Data { get => _data ?? Array.Empty<TokenlayBlockEntry>(); init => _data = value; }

    private readonly System.Collections.Generic.IReadOnlyList<TokenlayBlockEntry>? _data;

    /// <summary>The cursor of the next page; null on the last.</summary>
    public string? NextCursor { get; init; }
}
