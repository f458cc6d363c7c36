using System;
using System.Collections.Generic;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// The fields a rule's <c>if</c> and a limit's <c>per</c> read: the call's metadata, its model and
/// provider, and the user's usage this month. Proxied calls, checks, records and reservations all
/// build it here, so each meets exactly the rule a proxied call with the same metadata would.
/// </summary>
internal static class RuleContext
{
    public static Dictionary<string, object?> Build(RequestMetadata meta, string model, string? provider, UsageStore store, DateTimeOffset now, int inFlight = 0)
    {
        var context = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach ((string key, string value) in meta.Values)
        {
            context[key] = value;
        }
        context["model"] = model;
        context["provider"] = provider;
        if (!context.ContainsKey("tier") && meta["plan"] is { } plan)
        {
            context["tier"] = plan; // Tokenlay's rule examples say tier where the SDK says plan
        }
        (long requests, long tokens, decimal cost) = store.MonthToDate(meta["user"] ?? "", now);
        context["usage.requests"] = requests;
        context["usage.tokens"] = tokens;
        context["usage.cost"] = cost;
        context["usage.concurrent"] = inFlight;
        return context;
    }
}
