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

    /// <summary>Whether <see cref="Status"/> is <c>ok</c>.</summary>
    public bool IsHealthy => string.Equals(Status, "ok", StringComparison.OrdinalIgnoreCase);
}
