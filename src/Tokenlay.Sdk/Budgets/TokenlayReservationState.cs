using System;
using System.Collections.Generic;

namespace Tokenlay;

/// <summary>A reservation as <c>/v1/reservations</c> returns it.</summary>
internal sealed class TokenlayReservationState
{
    public string Id { get => _id ?? ""; init => _id = value; }

    private readonly string? _id;
    public TokenlayReservationStatus? Status { get; init; }
    public string? Model { get; init; }
    public string? RuleId { get; init; }
    public TokenlayBudgetAmount Held { get => _held ?? new TokenlayBudgetAmount(); init => _held = value; }

    private readonly TokenlayBudgetAmount? _held;
    public TokenlayBudgetAmount Used { get => _used ?? new TokenlayBudgetAmount(); init => _used = value; }

    private readonly TokenlayBudgetAmount? _used;
    public IReadOnlyDictionary<string, string> Metadata { get => _metadata ?? new Dictionary<string, string>(); init => _metadata = value; }

    private readonly IReadOnlyDictionary<string, string>? _metadata;
    public TokenlayBudgetAmount Estimate { get => _estimate ?? new TokenlayBudgetAmount(); init => _estimate = value; }

    private readonly TokenlayBudgetAmount? _estimate;
    public long Calls { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}
