using System;
using System.Collections.Generic;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>Where answered idempotency keys are kept across restarts (<c>--data</c>), per scope (the proxy, the budget endpoints).</summary>
internal interface IIdempotencyJournal
{
    IReadOnlyList<KeptAnswer> Load(string scope);

    void Kept(string scope, KeptAnswer answer);

    void Freed(string scope, string key);
}

/// <summary>An idempotency key with the request it is bound to and the answer its retries get.</summary>
internal sealed record KeptAnswer(string Key, string Fingerprint, DateTimeOffset CreatedAt, StoredResponse Response);
