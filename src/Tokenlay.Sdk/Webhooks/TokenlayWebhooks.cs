using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tokenlay;

/// <summary>
/// Verifies and parses Tokenlay webhooks. The <c>x-tokenlay-signature</c> header is
/// <c>t={unix seconds},v1={hex}</c>, where v1 is HMAC-SHA256 of <c>"{t}.{raw body}"</c> with the
/// webhook secret. Several <c>v1=</c> entries may be present while a secret is rotated.
/// </summary>
/// <example>
/// <code>
/// app.MapPost("/hooks/tokenlay", async (HttpRequest request) =>
/// {
///     string body = await new StreamReader(request.Body).ReadToEndAsync();
///     TokenlayWebhookEvent e = TokenlayWebhooks.ConstructEvent(body, request.Headers["x-tokenlay-signature"], secret);
///     ...
/// });
/// </code>
/// </example>
public static class TokenlayWebhooks
{
    /// <summary>The header that carries the signature.</summary>
    public const string SignatureHeader = "x-tokenlay-signature";

    /// <summary>How old a signature may be, by default: 5 minutes.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>Verifies the signature and parses the event.</summary>
    /// <param name="payload">The raw request body, exactly as received (do not re-serialize it).</param>
    /// <param name="signatureHeader">The <c>x-tokenlay-signature</c> header.</param>
    /// <param name="secret">The webhook secret.</param>
    /// <param name="tolerance">How old the signature may be; <see cref="DefaultTolerance"/> when null. Must be positive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="payload"/> or <paramref name="secret"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tolerance"/> is zero or negative.</exception>
    /// <exception cref="TokenlayWebhookSignatureException">The signature is missing, wrong or too old.</exception>
    /// <exception cref="ArgumentException">The payload is not a Tokenlay event.</exception>
    public static TokenlayWebhookEvent ConstructEvent(string payload, string? signatureHeader, string secret, TimeSpan? tolerance = null) =>
        ConstructEvent(payload, signatureHeader, new[] { secret ?? throw new ArgumentNullException(nameof(secret)) }, tolerance, DateTimeOffset.UtcNow);

    /// <summary>Like <see cref="ConstructEvent(string, string?, string, TimeSpan?)"/>, accepting any of several secrets (during rotation).</summary>
    public static TokenlayWebhookEvent ConstructEvent(string payload, string? signatureHeader, IEnumerable<string> secrets, TimeSpan? tolerance = null) =>
        ConstructEvent(payload, signatureHeader, secrets, tolerance, DateTimeOffset.UtcNow);

    /// <summary>Verifies the signature only.</summary>
    /// <exception cref="TokenlayWebhookSignatureException">The signature is missing, wrong or too old.</exception>
    public static void VerifySignature(string payload, string? signatureHeader, string secret, TimeSpan? tolerance = null) =>
        Verify(payload, signatureHeader, new[] { secret ?? throw new ArgumentNullException(nameof(secret)) }, tolerance ?? DefaultTolerance, DateTimeOffset.UtcNow);

    /// <summary>
    /// Computes a valid signature header for <paramref name="payload"/>: what Tokenlay sends, and what
    /// tests of webhook handlers need.
    /// </summary>
    public static string ComputeSignatureHeader(string payload, string secret, DateTimeOffset timestamp)
    {
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload));
        }
        if (string.IsNullOrEmpty(secret))
        {
            throw new ArgumentException("The webhook secret is empty.", nameof(secret));
        }
        string t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return "t=" + t + ",v1=" + Hex(Sign(t, payload, secret));
    }

    internal static TokenlayWebhookEvent ConstructEvent(string payload, string? signatureHeader, IEnumerable<string> secrets, TimeSpan? tolerance, DateTimeOffset now)
    {
        Verify(payload, signatureHeader, secrets, tolerance ?? DefaultTolerance, now);
        return Parse(payload);
    }

    internal static void Verify(string payload, string? signatureHeader, IEnumerable<string> secrets, TimeSpan tolerance, DateTimeOffset now)
    {
        if (tolerance <= TimeSpan.Zero)
        {
            // Zero or less would switch the replay check off, and a captured request would verify forever.
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance,
                "The webhook tolerance must be positive (the default is 5 minutes); it bounds how old a signature may be, so that replays are refused.");
        }
        if (payload is null)
        {
            throw new ArgumentNullException(nameof(payload));
        }
        if (secrets is null)
        {
            throw new ArgumentNullException(nameof(secrets));
        }
        string[] keys = secrets.Where(s => !string.IsNullOrEmpty(s)).ToArray();
        if (keys.Length == 0)
        {
            throw new ArgumentException("No webhook secret was given.", nameof(secrets));
        }
        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            throw new TokenlayWebhookSignatureException($"The {SignatureHeader} header is missing.");
        }
        string? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (string part in signatureHeader!.Split(','))
        {
            int eq = part.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }
            string name = part.Substring(0, eq).Trim();
            string value = part.Substring(eq + 1).Trim();
            if (name == "t")
            {
                timestamp = value;
            }
            else if (name == "v1" && TryParseHex(value, out byte[]? bytes))
            {
                signatures.Add(bytes!);
            }
        }
        if (timestamp is null || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds))
        {
            throw new TokenlayWebhookSignatureException($"The {SignatureHeader} header has no valid t= timestamp.");
        }
        if (signatures.Count == 0)
        {
            throw new TokenlayWebhookSignatureException($"The {SignatureHeader} header has no v1= signature.");
        }
        bool valid = keys.Any(key =>
        {
            byte[] expected = Sign(timestamp, payload, key);
            return signatures.Any(s => FixedTimeEquals(s, expected));
        });
        if (!valid)
        {
            throw new TokenlayWebhookSignatureException(
                "The webhook signature does not match the payload. Check the secret, and pass the raw body exactly as received.");
        }
        // Checked after the signature, so the timestamp is known to be the sender's.
        DateTimeOffset signedAt = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((now - signedAt).Duration() > tolerance)
        {
            throw new TokenlayWebhookSignatureException(
                $"The webhook was signed at {signedAt:u}, outside the tolerance of {tolerance.TotalSeconds:0} s; it may be a replay.");
        }
    }

    private static TokenlayWebhookEvent Parse(string payload)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(payload);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The webhook payload is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not a Tokenlay event object.", nameof(payload));
            }
            string id = Text(root, "id") ?? throw new ArgumentException("The webhook payload has no 'id'.", nameof(payload));
            string type = Text(root, "type") ?? throw new ArgumentException("The webhook payload has no 'type'.", nameof(payload));
            DateTimeOffset created = root.TryGetProperty("created", out JsonElement c) && c.TryGetInt64(out long unix)
                ? DateTimeOffset.FromUnixTimeSeconds(unix)
                : DateTimeOffset.MinValue;
            if ((type == TokenlayWebhookEvent.LimitExceededType || type == TokenlayWebhookEvent.LimitWarningType)
                && root.TryGetProperty("data", out JsonElement data) && data.ValueKind == JsonValueKind.Object)
            {
                TokenlayLimit? limit = null;
                if (data.TryGetProperty("limit", out JsonElement l) && l.ValueKind == JsonValueKind.Object)
                {
                    limit = new TokenlayLimit(TokenlayLimitType.FromWire(Text(l, "type")), TokenlayLimitWindow.FromWire(Text(l, "window")), Text(l, "per"), Decimal(l, "current"), Decimal(l, "max"),
                        Text(l, "resets_at") is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset r) ? r : null);
                }
                return new TokenlayLimitEvent(id, type, created, payload,
                    Text(data, "rule_id"), Text(data, "action"), Text(data, "request_id"), Text(data, "user"), Text(data, "org"),
                    Text(data, "project"), Text(data, "feature"), Text(data, "model"), limit);
            }
            if (type == TokenlayWebhookEvent.LabelDetectedType && root.TryGetProperty("data", out JsonElement labelData) && labelData.ValueKind == JsonValueKind.Object)
            {
                var labels = new List<TokenlayLabel>();
                if (labelData.TryGetProperty("labels", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement item in list.EnumerateArray())
                    {
                        if (item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } label)
                        {
                            labels.Add(label);
                        }
                    }
                }
                return new TokenlayLabelEvent(id, created, payload, labels, Text(labelData, "part"), Text(labelData, "rule_id"), Text(labelData, "request_id"),
                    Text(labelData, "user"), Text(labelData, "org"), Text(labelData, "project"), Text(labelData, "feature"), Text(labelData, "model"));
            }
            if (type == TokenlayWebhookEvent.LimitThresholdType && root.TryGetProperty("data", out JsonElement threshold) && threshold.ValueKind == JsonValueKind.Object)
            {
                DateTimeOffset? resetsAt = Date(threshold, "window_resets_at");
                TokenlayLimit? limit = threshold.TryGetProperty("limit", out JsonElement l) && l.ValueKind == JsonValueKind.Object
                    ? new TokenlayLimit(TokenlayLimitType.FromWire(Text(l, "type")), TokenlayLimitWindow.FromWire(Text(l, "window")), Text(l, "per"), Decimal(threshold, "current"), Decimal(l, "max") ?? Decimal(threshold, "max"), resetsAt,
                        l.TryGetProperty("rolling", out JsonElement rolling) && rolling.ValueKind is JsonValueKind.True or JsonValueKind.False ? rolling.GetBoolean() : null)
                    : null;
                return new TokenlayThresholdEvent(id, type, created, payload, Text(threshold, "rule_id"), Text(threshold, "subject"), limit,
                    Decimal(threshold, "current"), Decimal(threshold, "max"), Decimal(threshold, "threshold"), Text(threshold, "threshold_kind"), resetsAt);
            }
            if ((type == TokenlayWebhookEvent.CreditsLowBalanceType || type == TokenlayWebhookEvent.CreditsExhaustedType)
                && root.TryGetProperty("data", out JsonElement credits) && credits.ValueKind == JsonValueKind.Object)
            {
                return new TokenlayCreditBalanceEvent(id, type, created, payload, Text(credits, "account"), Decimal(credits, "available"), Decimal(credits, "threshold"));
            }
            return new TokenlayWebhookEvent(id, type, created, payload);
        }
        catch (JsonException e)
        {
            throw new ArgumentException("The webhook payload is not valid JSON.", nameof(payload), e);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Date(JsonElement element, string name) =>
        Text(element, name) is { } at && DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset r) ? r : null;

    private static decimal? Decimal(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal d) ? d : null;

    private static byte[] Sign(string timestamp, string payload, string secret)
    {
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return hmac.ComputeHash(Encoding.UTF8.GetBytes(timestamp + "." + payload));
    }

    // Constant time: how much of a guess matched must not show in how long the comparison takes.
    private static bool FixedTimeEquals(byte[] a, byte[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        int difference = 0;
        for (int i = 0; i < a.Length; i++)
        {
            difference |= a[i] ^ b[i];
        }
        return difference == 0;
    }

    private static string Hex(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length * 2);
        foreach (byte b in bytes)
        {
            text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private static bool TryParseHex(string hex, out byte[]? bytes)
    {
        bytes = null;
        if (hex.Length == 0 || hex.Length % 2 != 0)
        {
            return false;
        }
        var result = new byte[hex.Length / 2];
        for (int i = 0; i < result.Length; i++)
        {
            if (!byte.TryParse(hex.Substring(i * 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out result[i]))
            {
                return false;
            }
        }
        bytes = result;
        return true;
    }
}
