using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Tokenlay.Emulator.Endpoints;

namespace Tokenlay.Emulator.Idempotency;

/// <summary>
/// Idempotency keys as Stripe uses them. A key is bound to the fingerprint of the first request
/// that used it. The same request again gets the stored answer (no provider call, no metering); a
/// different request under the key gets 409 <c>idempotency_key_reused</c>. A retry that arrives
/// while the first call is still running waits for it and gets its answer, so the SDK's own
/// retries after a timeout neither run twice nor fail. Only answers worth replaying are kept
/// (2xx and the provider's 4xx); after a block or a failure the key is free, so a retry is judged
/// afresh. Keys are forgotten after <see cref="TokenlayEmulatorOptions.IdempotencyKeyLifetime"/>,
/// and at most <see cref="TokenlayEmulatorOptions.MaxIdempotencyKeys"/> are kept (oldest first out).
/// </summary>
internal sealed class IdempotencyStore
{
    /// <summary>Longest a retry waits for the first call of its key before it gets 409 <c>idempotency_key_in_use</c>.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(5);

    private readonly object _gate = new();
    private readonly Dictionary<string, IdempotencyRecord> _records = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, IdempotencyRecord Record)> _order = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly int _capacity;
    private readonly IIdempotencyJournal? _journal;
    private readonly string _scope;

    /// <summary>With a <paramref name="journal"/>, answered keys of <paramref name="scope"/> are kept across restarts.</summary>
    public IdempotencyStore(TimeProvider time, TimeSpan lifetime, int capacity, IIdempotencyJournal? journal = null, string scope = "proxy")
    {
        _time = time;
        _lifetime = lifetime;
        _capacity = Math.Max(1, capacity);
        _journal = journal;
        _scope = scope;
        if (journal is not null)
        {
            foreach (KeptAnswer kept in journal.Load(scope).OrderBy(k => k.CreatedAt))
            {
                var record = new IdempotencyRecord(kept.Fingerprint, kept.CreatedAt) { Response = kept.Response };
                record.Done.TrySetResult(kept.Response);
                _records[kept.Key] = record;
                _order.Enqueue((kept.Key, record));
            }
            lock (_gate)
            {
                Forget(time.GetUtcNow());
            }
        }
    }

    /// <summary>
    /// The idempotency stage of a request: without a key, runs <paramref name="run"/> (with false);
    /// with one, replays the stored answer, answers 409 naming <paramref name="param"/>, or runs it
    /// (with true) and keeps what it returns for the key's retries.
    /// </summary>
    public async Task RunAsync(HttpContext http, string? key, string fingerprint, string param, Func<bool, Task<StoredResponse?>> run)
    {
        if (key is null)
        {
            await run(false);
            return;
        }
        switch (await BeginAsync(key, fingerprint, http.RequestAborted))
        {
            case IdempotencyDecision.Replay replay:
                await replay.Response.ReplayAsync(http);
                return;
            case IdempotencyDecision.Conflict conflict:
                await ErrorResponses.WriteAsync(http, 409, conflict.Message, "idempotency_error", conflict.Code, param);
                return;
            case IdempotencyDecision.Proceed proceed:
                StoredResponse? kept = null;
                try
                {
                    kept = await run(true);
                }
                finally
                {
                    Complete(proceed.Ticket, kept);
                }
                return;
        }
    }

    public async Task<IdempotencyDecision> BeginAsync(string key, string fingerprint, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<StoredResponse?> running;
            lock (_gate)
            {
                Forget(_time.GetUtcNow());
                if (!_records.TryGetValue(key, out IdempotencyRecord? record))
                {
                    record = new IdempotencyRecord(fingerprint, _time.GetUtcNow());
                    _records[key] = record;
                    _order.Enqueue((key, record));
                    return new IdempotencyDecision.Proceed(new IdempotencyTicket(key, record));
                }
                if (record.Fingerprint != fingerprint)
                {
                    return new IdempotencyDecision.Conflict("idempotency_key_reused",
                        "This idempotency key was already used for a different request (path, metadata or body differ). Use a new key for a new request.");
                }
                if (record.Response is { } done)
                {
                    return new IdempotencyDecision.Replay(done);
                }
                running = record.Done.Task;
            }
            try
            {
                StoredResponse? answer = await running.WaitAsync(MaxWait, cancellationToken);
                if (answer is not null)
                {
                    return new IdempotencyDecision.Replay(answer);
                }
                // The first call kept nothing (blocked, failed): loop and run this one afresh.
            }
            catch (TimeoutException)
            {
                return new IdempotencyDecision.Conflict("idempotency_key_in_use",
                    "A call with this idempotency key is still running. Retry later to get its answer.");
            }
        }
    }

    /// <summary>Ends the ticket's call: keeps <paramref name="response"/> for replays, or frees the key when it is null.</summary>
    public void Complete(IdempotencyTicket ticket, StoredResponse? response)
    {
        lock (_gate)
        {
            if (response is null)
            {
                if (_records.TryGetValue(ticket.Key, out IdempotencyRecord? current) && ReferenceEquals(current, ticket.Record))
                {
                    _records.Remove(ticket.Key);
                }
            }
            else
            {
                ticket.Record.Response = response;
                _journal?.Kept(_scope, new KeptAnswer(ticket.Key, ticket.Record.Fingerprint, ticket.Record.CreatedAt, response));
            }
        }
        ticket.Record.Done.TrySetResult(response);
    }

    private void Forget(DateTimeOffset now)
    {
        while (_order.Count > 0)
        {
            (string key, IdempotencyRecord record) = _order.Peek();
            bool stale = !_records.TryGetValue(key, out IdempotencyRecord? current) || !ReferenceEquals(current, record);
            bool expired = record.CreatedAt + _lifetime <= now && record.Response is not null;
            bool overCapacity = _records.Count > _capacity && record.Response is not null;
            if (!stale && !expired && !overCapacity)
            {
                return;
            }
            _order.Dequeue();
            if (!stale)
            {
                _records.Remove(key);
                _journal?.Freed(_scope, key);
            }
        }
    }
}
