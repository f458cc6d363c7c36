using System;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Keys;

/// <summary>
/// A customer's provider key as the vault keeps it: everything about it, and the secret only
/// sealed (<see cref="Sealed"/>, AES-GCM). Changed only under the vault's lock; what leaves the vault
/// is <see cref="ToJson"/>, which has the last four characters of the secret and nothing more.
/// </summary>
internal sealed class ConnectedKey
{
    public required string Id { get; init; }

    /// <summary>Order of creation, for paging.</summary>
    public long Sequence { get; init; }

    /// <summary>The customer: free text, at most 200 characters.</summary>
    public required string RefId { get; init; }

    public required string Provider { get; init; }

    public required string BaseUrl { get; init; }

    /// <summary>Azure OpenAI: the deployment calls go to.</summary>
    public string? Deployment { get; init; }

    /// <summary>Azure OpenAI: the data-plane <c>api-version</c>.</summary>
    public string? ApiVersion { get; init; }

    public string? Label { get; init; }

    /// <summary>The last four characters of the secret.</summary>
    public required string KeyHint { get; set; }

    /// <summary><c>active</c> (the provider accepted it), <c>unverified</c> (not checked), <c>invalid</c> (a later check failed) or <c>revoked</c>.</summary>
    public required string Status { get; set; }

    /// <summary>The secret, sealed; null once revoked (erased).</summary>
    public byte[]? Sealed { get; set; }

    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? LastValidatedAt { get; set; }
    public DateTimeOffset? RotatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public DateTimeOffset? FirstUsedAt { get; set; }
    public DateTimeOffset? LastUsedAt { get; set; }
    public long CallCount { get; set; }

    public bool Revoked => Status == KeyStatus.Revoked;

    /// <summary>The key as the API shows it: never the secret.</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["id"] = Id,
            ["object"] = "connected_key",
            ["ref_id"] = RefId,
            ["provider"] = Provider,
            ["base_url"] = BaseUrl,
            ["key_hint"] = KeyHint,
            ["status"] = Status,
            ["label"] = Label,
            ["config"] = Provider == KeyProviders.AzureOpenAI ? new JsonObject { ["deployment"] = Deployment, ["api_version"] = ApiVersion } : null,
            ["created_at"] = Time(CreatedAt),
            ["last_validated_at"] = Time(LastValidatedAt),
            ["last_used_at"] = Time(LastUsedAt),
            ["first_used_at"] = Time(FirstUsedAt),
            ["call_count"] = CallCount,
            ["rotated_at"] = Time(RotatedAt),
            ["revoked_at"] = Time(RevokedAt),
        };
        return json;
    }

    internal static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>The statuses of a <see cref="ConnectedKey"/>.</summary>
internal static class KeyStatus
{
    public const string Active = "active", Unverified = "unverified", Invalid = "invalid", Revoked = "revoked";

    public static readonly string[] All = [Active, Unverified, Invalid, Revoked];
}
