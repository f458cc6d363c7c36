using System;

namespace Tokenlay;

/// <summary>A reservation as <c>/v1/reservations</c> returns it.</summary>
internal sealed class TokenlayReservationState
{
    public string Id { get; init; } = "";
    public string? Status { get; init; }
    public string? Model { get; init; }
    public string? RuleId { get; init; }
    public TokenlayBudgetAmount Held { get; init; } = new();
    public TokenlayBudgetAmount Used { get; init; } = new();
    public long Calls { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
}
