using System;
using System.Collections.Generic;
using System.Linq;

namespace Tokenlay.Emulator.Pricing;

/// <summary>
/// Built-in list prices (USD per 1M tokens; public facts from the providers' price pages) plus
/// overrides set through <c>PUT /v1/pricing</c>. A model with no price has no cost: callers log
/// null and list it as unknown, never 0.
/// </summary>
public sealed class PriceTable
{
    /// <summary>The built-in prices by provider and model.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, ModelPrice>> Defaults =
        new Dictionary<string, IReadOnlyDictionary<string, ModelPrice>>(StringComparer.OrdinalIgnoreCase)
        {
            ["openai"] = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
            {
                ["gpt-5"] = new(1.25m, 10m),
                ["gpt-5-mini"] = new(0.25m, 2m),
                ["gpt-5-nano"] = new(0.05m, 0.40m),
                ["gpt-4.1"] = new(2m, 8m),
                ["gpt-4.1-mini"] = new(0.40m, 1.60m),
                ["gpt-4.1-nano"] = new(0.10m, 0.40m),
                ["gpt-4o"] = new(2.50m, 10m),
                ["gpt-4o-mini"] = new(0.15m, 0.60m),
                ["o1"] = new(15m, 60m),
                ["o3"] = new(2m, 8m),
                ["o3-mini"] = new(1.10m, 4.40m),
                ["o4-mini"] = new(1.10m, 4.40m),
                ["gpt-4-turbo"] = new(10m, 30m),
                ["gpt-4"] = new(30m, 60m),
                ["gpt-3.5-turbo"] = new(0.50m, 1.50m),
                ["text-embedding-3-small"] = new(0.02m, 0m),
                ["text-embedding-3-large"] = new(0.13m, 0m),
                ["text-embedding-ada-002"] = new(0.10m, 0m),
                ["gpt-3.5-turbo-instruct"] = new(1.50m, 2m),
                ["omni-moderation-latest"] = new(0m, 0m),
                ["text-moderation-latest"] = new(0m, 0m),
            },
            ["anthropic"] = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
            {
                ["claude-opus-4-1"] = new(15m, 75m),
                ["claude-opus-4"] = new(15m, 75m),
                ["claude-sonnet-4-5"] = new(3m, 15m),
                ["claude-sonnet-4"] = new(3m, 15m),
                ["claude-3-7-sonnet"] = new(3m, 15m),
                ["claude-haiku-4-5"] = new(1m, 5m),
                ["claude-3-5-haiku"] = new(0.80m, 4m),
            },
            ["mistral"] = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase)
            {
                ["mistral-large"] = new(2m, 6m),
                ["mistral-medium"] = new(0.40m, 2m),
                ["mistral-small"] = new(0.10m, 0.30m),
                ["codestral"] = new(0.30m, 0.90m),
                ["ministral-8b"] = new(0.10m, 0.10m),
                ["open-mistral-nemo"] = new(0.15m, 0.15m),
            },
        };

    /// <summary>
    /// The dated snapshot ids the providers publish for the built-in models, by provider: each is
    /// served and priced as the model it names (snapshot id to model id).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Snapshots =
        new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["openai"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["gpt-5-2025-08-07"] = "gpt-5",
                ["gpt-5-mini-2025-08-07"] = "gpt-5-mini",
                ["gpt-5-nano-2025-08-07"] = "gpt-5-nano",
                ["gpt-4.1-2025-04-14"] = "gpt-4.1",
                ["gpt-4.1-mini-2025-04-14"] = "gpt-4.1-mini",
                ["gpt-4.1-nano-2025-04-14"] = "gpt-4.1-nano",
                ["gpt-4o-2024-05-13"] = "gpt-4o",
                ["gpt-4o-2024-08-06"] = "gpt-4o",
                ["gpt-4o-2024-11-20"] = "gpt-4o",
                ["gpt-4o-mini-2024-07-18"] = "gpt-4o-mini",
                ["o1-2024-12-17"] = "o1",
                ["o3-2025-04-16"] = "o3",
                ["o3-mini-2025-01-31"] = "o3-mini",
                ["o4-mini-2025-04-16"] = "o4-mini",
                ["gpt-4-turbo-2024-04-09"] = "gpt-4-turbo",
                ["gpt-4-0613"] = "gpt-4",
                ["gpt-3.5-turbo-0125"] = "gpt-3.5-turbo",
                ["gpt-3.5-turbo-1106"] = "gpt-3.5-turbo",
            },
            ["anthropic"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["claude-opus-4-1-20250805"] = "claude-opus-4-1",
                ["claude-opus-4-20250514"] = "claude-opus-4",
                ["claude-sonnet-4-5-20250929"] = "claude-sonnet-4-5",
                ["claude-sonnet-4-20250514"] = "claude-sonnet-4",
                ["claude-3-7-sonnet-20250219"] = "claude-3-7-sonnet",
                ["claude-haiku-4-5-20251001"] = "claude-haiku-4-5",
                ["claude-3-5-haiku-20241022"] = "claude-3-5-haiku",
            },
            ["mistral"] = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["mistral-large-latest"] = "mistral-large",
                ["mistral-large-2411"] = "mistral-large",
                ["mistral-medium-latest"] = "mistral-medium",
                ["mistral-medium-2505"] = "mistral-medium",
                ["mistral-small-latest"] = "mistral-small",
                ["mistral-small-2503"] = "mistral-small",
                ["codestral-latest"] = "codestral",
                ["codestral-2501"] = "codestral",
                ["ministral-8b-latest"] = "ministral-8b",
                ["ministral-8b-2410"] = "ministral-8b",
                ["open-mistral-nemo-2407"] = "open-mistral-nemo",
            },
        };

    private readonly object _gate = new();
    private Dictionary<string, Dictionary<string, ModelPrice>> _overrides = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A copy of the current overrides.</summary>
    public Dictionary<string, Dictionary<string, ModelPrice>> Overrides
    {
        get
        {
            lock (_gate)
            {
                return _overrides.ToDictionary(p => p.Key, p => new Dictionary<string, ModelPrice>(p.Value, StringComparer.OrdinalIgnoreCase), StringComparer.OrdinalIgnoreCase);
            }
        }
    }

    /// <summary>Adds or replaces overrides, provider by provider and model by model.</summary>
    public void Merge(IReadOnlyDictionary<string, Dictionary<string, ModelPrice>> overrides)
    {
        lock (_gate)
        {
            var next = Overrides;
            foreach ((string provider, Dictionary<string, ModelPrice> models) in overrides)
            {
                if (!next.TryGetValue(provider, out Dictionary<string, ModelPrice>? existing))
                {
                    next[provider] = existing = new Dictionary<string, ModelPrice>(StringComparer.OrdinalIgnoreCase);
                }
                foreach ((string model, ModelPrice price) in models)
                {
                    existing[model] = price;
                }
            }
            _overrides = next;
        }
    }

    /// <summary>Drops every override.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _overrides = new(StringComparer.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Whether <paramref name="model"/> is one the table lists exactly: a built-in id, one of the
    /// dated snapshots in <see cref="Snapshots"/>, or an override. The emulator serves these (with
    /// <c>--models</c>); a name that merely starts with a known one (<c>gpt-5-turbo-nonexistent</c>) is not.
    /// </summary>
    public bool Lists(string model)
    {
        Dictionary<string, Dictionary<string, ModelPrice>> overrides;
        lock (_gate)
        {
            overrides = _overrides;
        }
        return overrides.Values.Any(m => m.ContainsKey(model))
            || Defaults.Values.Any(m => m.ContainsKey(model))
            || Snapshots.Values.Any(m => m.ContainsKey(model));
    }

    /// <summary>
    /// The price of <paramref name="model"/>: an override first, then the built-in table; an exact
    /// name first, then the longest known name it starts with (so <c>gpt-4o-2024-08-06</c> is priced
    /// as <c>gpt-4o</c>, and <c>gpt-4o-mini-2024-07-18</c> as <c>gpt-4o-mini</c>).
    /// </summary>
    public ModelPrice? Find(string? provider, string model)
    {
        Dictionary<string, Dictionary<string, ModelPrice>> overrides;
        lock (_gate)
        {
            overrides = _overrides;
        }
        return Lookup(overrides.Select(p => (p.Key, (IReadOnlyDictionary<string, ModelPrice>)p.Value)), provider, model)
            ?? Lookup(Defaults.Select(p => (p.Key, p.Value)), provider, Snapshot(model) ?? model);
    }

    private static ModelPrice? Lookup(IEnumerable<(string Provider, IReadOnlyDictionary<string, ModelPrice> Models)> tables, string? provider, string model)
    {
        // The named provider's table wins over a model of the same name under another provider.
        var ordered = tables.OrderByDescending(t => string.Equals(t.Provider, provider, StringComparison.OrdinalIgnoreCase)).ToList();
        foreach ((_, IReadOnlyDictionary<string, ModelPrice> models) in ordered)
        {
            if (models.TryGetValue(model, out ModelPrice? exact))
            {
                return exact;
            }
        }
        foreach ((_, IReadOnlyDictionary<string, ModelPrice> models) in ordered)
        {
            string? prefix = models.Keys
                .Where(k => model.StartsWith(k + "-", StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(k => k.Length)
                .FirstOrDefault();
            if (prefix is not null)
            {
                return models[prefix];
            }
        }
        return null;
    }

    private static string? Snapshot(string model)
    {
        foreach (IReadOnlyDictionary<string, string> snapshots in Snapshots.Values)
        {
            if (snapshots.TryGetValue(model, out string? of))
            {
                return of;
            }
        }
        return null;
    }

    /// <summary>Guesses the provider from its base URL, for price lookups.</summary>
    public static string? ProviderFromBase(string? providerBase)
    {
        if (providerBase is null || !Uri.TryCreate(providerBase, UriKind.Absolute, out Uri? uri))
        {
            return null;
        }
        string host = uri.Host;
        if (host.EndsWith("openai.com", StringComparison.OrdinalIgnoreCase)) return "openai";
        if (host.EndsWith("anthropic.com", StringComparison.OrdinalIgnoreCase)) return "anthropic";
        if (host.EndsWith("mistral.ai", StringComparison.OrdinalIgnoreCase)) return "mistral";
        return null;
    }
}
