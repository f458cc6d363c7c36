using System;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// One entry of a key's append-only audit trail: <c>connected</c>, <c>validated</c> (with its
/// <see cref="Outcome"/>), <c>rotated</c>, <c>revoked</c> or <c>used</c> (its first use; later use
/// is counted on the key), with the time and the Tokenlay key that acted (<see cref="Actor"/>, an id, never the key).
/// </summary>
/// <param name="Id">The event's id (<c>kev_…</c>).</param>
/// <param name="Sequence">Order among all events, for paging.</param>
/// <param name="KeyId">The key it is about.</param>
/// <param name="Type"><c>connected</c>, <c>validated</c>, <c>rotated</c>, <c>revoked</c> or <c>used</c>.</param>
/// <param name="At">When (UTC).</param>
/// <param name="Actor">The id of the Tokenlay key that acted.</param>
/// <param name="Outcome">For <c>validated</c>: <c>valid</c>, <c>invalid</c>, <c>unverified</c> (simulated mode or not asked) or <c>error</c> (the provider could not answer).</param>
/// <param name="Detail">What the provider answered, for a failed validation (never the key).</param>
internal sealed record KeyEvent(string Id, long Sequence, string KeyId, string Type, DateTimeOffset At, string Actor, string? Outcome = null, string? Detail = null)
{
    public JsonObject ToJson() => new()
    {
        ["id"] = Id,
        ["object"] = "connected_key.event",
        ["key_id"] = KeyId,
        ["type"] = Type,
        ["created_at"] = ConnectedKey.Time(At),
        ["actor"] = Actor,
        ["outcome"] = Outcome,
        ["detail"] = Detail,
    };
}
