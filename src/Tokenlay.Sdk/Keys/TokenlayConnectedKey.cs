using System;
using System.Text;

namespace Tokenlay;

/// <summary>
/// A customer's provider key held by Tokenlay. It never carries the secret: only <see cref="KeyHint"/>,
/// its last four characters. Calls use it by naming the customer: <see cref="TokenlayRequestContext.KeyRef"/>.
/// </summary>
public sealed class TokenlayConnectedKey
{
    /// <summary>The key's id (<c>key_…</c>), for rotating, validating and revoking it.</summary>
    public string Id { get; init; } = "";

    /// <summary>The customer the key belongs to: what calls name in <see cref="TokenlayRequestContext.KeyRef"/>.</summary>
    public string RefId { get; init; } = "";

    /// <summary>The provider.</summary>
    public TokenlayKeyProvider Provider { get; init; }

    /// <summary>Where calls with the key go.</summary>
    public Uri? BaseUrl { get; init; }

    /// <summary>The last four characters of the secret, to tell keys apart.</summary>
    public string KeyHint { get; init; } = "";

    /// <summary>Where the key stands.</summary>
    public TokenlayKeyStatus Status { get; init; }

    /// <summary>The label given at connect, if any.</summary>
    public string? Label { get; init; }

    /// <summary>Azure OpenAI: the deployment and API version; null for other providers.</summary>
    public TokenlayKeyConfig? Config { get; init; }

    /// <summary>When the key was connected.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the provider last answered a validation of the key.</summary>
    public DateTimeOffset? LastValidatedAt { get; init; }

    /// <summary>When a call last used the key.</summary>
    public DateTimeOffset? LastUsedAt { get; init; }

    /// <summary>When a call first used the key.</summary>
    public DateTimeOffset? FirstUsedAt { get; init; }

    /// <summary>How many calls used the key.</summary>
    public long CallCount { get; init; }

    /// <summary>When the secret was last rotated.</summary>
    public DateTimeOffset? RotatedAt { get; init; }

    /// <summary>When the key was revoked.</summary>
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The outcome of the validation that produced this object (<see cref="Companion.TokenlayKeysClient.ValidateAsync"/>); null otherwise.</summary>
    public TokenlayKeyValidation? Validation { get; init; }

    /// <summary>Describes the key; there is no secret on it to leak.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("TokenlayConnectedKey { ");
        text.Append("Id = ").Append(Id);
        text.Append(", RefId = ").Append(RefId);
        text.Append(", Provider = ").Append(Provider);
        text.Append(", KeyHint = ****").Append(KeyHint);
        text.Append(", Status = ").Append(Status);
        return text.Append(" }").ToString();
    }
}

/// <summary>Provider-specific settings of a connected key.</summary>
public sealed class TokenlayKeyConfig
{
    /// <summary>Azure OpenAI: the deployment calls are sent to.</summary>
    public string? Deployment { get; init; }

    /// <summary>Azure OpenAI: the <c>api-version</c> of the data-plane API.</summary>
    public string? ApiVersion { get; init; }
}

/// <summary>What asking the provider about a key gave.</summary>
public sealed class TokenlayKeyValidation
{
    /// <summary><c>valid</c>, <c>invalid</c> (the provider refused the key), <c>error</c> (it could not answer) or <c>unverified</c> (not asked).</summary>
    public string Outcome { get; init; } = "";

    /// <summary>The provider's HTTP status, when it answered.</summary>
    public int? ProviderStatus { get; init; }

    /// <summary>What the provider said, for a failure (never the key).</summary>
    public string? Detail { get; init; }
}
