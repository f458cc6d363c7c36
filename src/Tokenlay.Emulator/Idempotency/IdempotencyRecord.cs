using System;
using System.Threading.Tasks;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>One idempotency key: the request it is bound to, and its answer once the call finished.</summary>
internal sealed class IdempotencyRecord
{
    public IdempotencyRecord(string fingerprint, DateTimeOffset createdAt)
    {
        Fingerprint = fingerprint;
        CreatedAt = createdAt;
    }

    public string Fingerprint { get; }
    public DateTimeOffset CreatedAt { get; }
    public StoredResponse? Response { get; set; }

    /// <summary>Completes when the call finishes: with its answer, or null when nothing was kept (the key is free again).</summary>
    public TaskCompletionSource<StoredResponse?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
