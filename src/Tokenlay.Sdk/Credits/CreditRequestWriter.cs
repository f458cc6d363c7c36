using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>Writes the JSON bodies of the credit and blocklist requests, without reflection.</summary>
internal static class CreditRequestWriter
{
    /// <summary>The grant body; its idempotency key is fixed here, so the pipeline's retries resend the same one.</summary>
    public static byte[] Grant(TokenlayCreditGrantRequest request) => Write(w =>
    {
        w.WriteString("account", request.Account);
        w.WriteNumber("amount", request.Amount);
        if (request.Priority is { } priority)
        {
            w.WriteNumber("priority", priority);
        }
        Time(w, "effective_at", request.EffectiveAt);
        Time(w, "expires_at", request.ExpiresAt);
        if (request.Category is not null)
        {
            w.WriteString("category", request.Category);
        }
        if (request.Description is not null)
        {
            w.WriteString("description", request.Description);
        }
        w.WriteString("idempotency_key", request.IdempotencyKey ?? IdempotencyKeys.Next());
    });

    public static byte[] Adjustment(decimal amount, string reason, string? idempotencyKey) => Write(w =>
    {
        w.WriteNumber("amount", amount);
        w.WriteString("reason", reason);
        w.WriteString("idempotency_key", idempotencyKey ?? IdempotencyKeys.Next());
    });

    public static byte[] SetTier(string tierId, bool resetBalance) => Write(w =>
    {
        w.WriteString("tier", tierId);
        w.WriteBoolean("reset_balance", resetBalance);
    });

    public static byte[] Tier(TokenlayCreditTier tier) => Write(w =>
    {
        w.WriteNumber("allocation", tier.Allocation);
        w.WriteString("period", tier.Period);
        if (tier.RolloverMax is { } max)
        {
            w.WriteStartObject("rollover");
            w.WriteNumber("max", max);
            w.WriteEndObject();
        }
        w.WriteStartArray("alerts");
        foreach (TokenlayCreditAlert alert in tier.Alerts)
        {
            w.WriteStartObject();
            if (alert.Below is { } below)
            {
                w.WriteNumber("below", below);
            }
            else if (alert.BelowPercentOfAllocation is { } percent)
            {
                w.WriteNumber("below_percent", percent);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    public static byte[] Block(string subject, DateTimeOffset? until, string? reason) => Write(w =>
    {
        w.WriteString("subject", subject);
        Time(w, "until", until);
        if (reason is not null)
        {
            w.WriteString("reason", reason);
        }
    });

    private static void Time(Utf8JsonWriter w, string name, DateTimeOffset? at)
    {
        if (at is { } value)
        {
            w.WriteString(name, value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
