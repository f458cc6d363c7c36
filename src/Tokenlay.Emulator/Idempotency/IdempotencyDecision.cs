namespace Tokenlay.Emulator.Idempotency;

/// <summary>What to do with a call carrying an idempotency key.</summary>
internal abstract record IdempotencyDecision
{
    /// <summary>No call with this key ran yet: run it, then <see cref="IdempotencyStore.Complete"/> the ticket.</summary>
    public sealed record Proceed(IdempotencyTicket Ticket) : IdempotencyDecision;

    /// <summary>A call with this key and the same request finished: send its answer again.</summary>
    public sealed record Replay(StoredResponse Response) : IdempotencyDecision;

    /// <summary>The key cannot be used for this request: answer 409 with this code and message.</summary>
    public sealed record Conflict(string Code, string Message) : IdempotencyDecision;
}

/// <summary>The right to run the one call of an idempotency key.</summary>
internal sealed class IdempotencyTicket
{
    internal IdempotencyTicket(string key, IdempotencyRecord record)
    {
        Key = key;
        Record = record;
    }

    public string Key { get; }
    internal IdempotencyRecord Record { get; }
}
