using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Pricing;

namespace Tokenlay.Emulator.Metering.Persistence;

/// <summary>
/// Where the <see cref="UsageStore"/> keeps calls across restarts. Writes happen off the request
/// path; a write that fails is reported through <see cref="Problem"/> and retried, and the emulator
/// keeps serving.
/// </summary>
internal interface ICallPersistence : IDisposable
{
    /// <summary>What was kept from earlier runs.</summary>
    /// <exception cref="EmulatorStoreException">The store cannot be opened or is corrupt.</exception>
    PersistedState Load();

    /// <summary>Queues one finished call for writing.</summary>
    void Write(CallLogEntry entry);

    /// <summary>Queues the current price overrides for writing.</summary>
    void WritePrices(Dictionary<string, Dictionary<string, ModelPrice>> overrides);

    /// <summary>Starts writing in the background; <paramref name="capture"/> gives the whole state, for stores that rewrite it.</summary>
    void Start(Func<PersistedState> capture);

    /// <summary>Writes what is pending now.</summary>
    void Flush();

    /// <summary>The last write failure, or null when the last write succeeded.</summary>
    string? Problem { get; }
}

/// <summary>Everything a store keeps: log entries, calls folded into per-minute sums, price overrides.</summary>
internal sealed record PersistedState(
    List<CallLogEntry> Entries, List<(UsageKey Key, UsageSums Sums)> Folded,
    Dictionary<string, Dictionary<string, ModelPrice>> Pricing, long LastSequence)
{
    public static PersistedState Empty => new([], [], new(StringComparer.OrdinalIgnoreCase), 0);
}
