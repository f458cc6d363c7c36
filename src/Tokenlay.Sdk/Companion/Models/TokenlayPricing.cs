using System;
using System.Collections.Generic;

namespace Tokenlay.Companion;

/// <summary>A model's price in US dollars per one million input and output tokens.</summary>
public sealed class TokenlayModelPrice
{
    /// <summary>Creates a price.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A price is negative.</exception>
    public TokenlayModelPrice(decimal input, decimal output)
    {
        if (input < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(input), input, "A price cannot be negative.");
        }
        if (output < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(output), output, "A price cannot be negative.");
        }
        Input = input;
        Output = output;
    }

    /// <summary>USD per 1M input tokens.</summary>
    public decimal Input { get; }

    /// <summary>USD per 1M output tokens.</summary>
    public decimal Output { get; }
}

/// <summary>Prices by provider and model: the built-in ones and your overrides (<c>GET /v1/pricing</c>).</summary>
public sealed class TokenlayPricing
{
    /// <summary>The built-in prices.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> Defaults { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>>();

    /// <summary>Your overrides, which win over <see cref="Defaults"/>.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>> Overrides { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, TokenlayModelPrice>>();
}

/// <summary>Whether Tokenlay answers (<c>GET /v1/health</c>).</summary>
public sealed class TokenlayHealth
{
    /// <summary>The status reported, <c>ok</c> when healthy.</summary>
    public string Status { get; init; } = "";

    /// <summary>How the server answers calls: <c>simulate</c> or <c>forward</c> for the emulator; null when not said.</summary>
    public string? Mode { get; init; }

    /// <summary>True when the server is the local Tokenlay emulator, not the service.</summary>
    public bool Emulator { get; init; }

    /// <summary>What keeps a <c>degraded</c> server from being <c>ok</c>, such as a store that cannot be written; null when healthy.</summary>
    public string? Problem { get; init; }

    /// <summary>Whether <see cref="Status"/> is <c>ok</c>.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsHealthy => string.Equals(Status, "ok", StringComparison.OrdinalIgnoreCase);
}
