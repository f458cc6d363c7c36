namespace Tokenlay;

/// <summary>
/// Why a checked call's credits would not cover it (<see cref="TokenlayCheckResult.Credits"/>): the
/// proxied call would get <see cref="TokenlayInsufficientCreditsException"/> with the same figures.
/// </summary>
public sealed class TokenlayCreditShortfall
{
    /// <summary>The account charged, such as <c>user:alice</c>.</summary>
    public string Account { get => _account ?? ""; init => _account = value; }

    private readonly string? _account;

    /// <summary>Credits available to the call (balance less holds); can be below zero after an overrun.</summary>
    public decimal Available { get; init; }

    /// <summary>Credits the call would need; 0 when the model has no price.</summary>
    public decimal Required { get; init; }

    /// <summary>
    /// <see cref="TokenlayInsufficientCreditsException.InsufficientCreditsCode"/>, or
    /// <see cref="TokenlayInsufficientCreditsException.UnpricedModelCode"/> when credits cannot price the model.
    /// </summary>
    public string Code { get => _code ?? ""; init => _code = value; }

    private readonly string? _code;

    /// <inheritdoc/>
    public override string ToString() => $"{Account}: {Available} available, {Required} required ({Code})";
}
