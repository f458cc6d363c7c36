// Shared source compiled into two assemblies: plain comments, not XML docs, because the emulator's
// OpenAPI generator reads the XML docs of both and refuses a member documented twice.
namespace Tokenlay.Wire;

// <summary>
// The header names of the Tokenlay wire contract. Shared source: compiled into the SDK and into
// the emulator, so the two sides cannot spell a header differently.
// </summary>
internal static class TokenlayHeaderNames
{
    public const string Prefix = "x-tokenlay-";

    // Sent by the SDK.
    public const string ProviderKey = "x-tokenlay-provider-key";
    public const string ProviderBase = "x-tokenlay-provider-base";
    public const string IdempotencyKey = "x-tokenlay-idempotency-key";
    public const string Reservation = "x-tokenlay-reservation";
    public const string KeyRef = "x-tokenlay-key-ref";
    public const string KeyProvider = "x-tokenlay-key-provider";

    // Asks for a final tokenlay.summary event on a stream (the figures headers cannot carry).
    public const string StreamSummary = "x-tokenlay-stream-summary";

    // Not sent by the SDK (the key travels as Bearer), but accepted by proxies: never metadata.
    public const string Key = "x-tokenlay-key";
    public const string User = "x-tokenlay-user";
    public const string Org = "x-tokenlay-org";
    public const string Plan = "x-tokenlay-plan";
    public const string Project = "x-tokenlay-project";
    public const string Feature = "x-tokenlay-feature";

    // Added by the proxy to responses.
    public const string RequestId = "x-tokenlay-request-id";
    public const string RuleId = "x-tokenlay-rule-id";
    public const string RuleAction = "x-tokenlay-rule-action";
    public const string LimitExceeded = "x-tokenlay-limit-exceeded";
    public const string Cost = "x-tokenlay-cost";
    public const string TokensUsed = "x-tokenlay-tokens-used";
    public const string InputTokens = "x-tokenlay-input-tokens";
    public const string OutputTokens = "x-tokenlay-output-tokens";
    public const string Duration = "x-tokenlay-duration";
    public const string Warnings = "x-tokenlay-warnings";
    public const string Model = "x-tokenlay-model";
    public const string Labels = "x-tokenlay-labels";
    public const string ErrorSource = "x-tokenlay-error-source";
    public const string CreditsUsed = "x-tokenlay-credits-used";
    public const string CreditsRemaining = "x-tokenlay-credits-remaining";

    // Marks an answer sent again for a repeated idempotency key (Stripe's Idempotent-Replayed).
    public const string IdempotentReplayed = "x-tokenlay-idempotent-replayed";

    // The OpenAI request id, which the proxy mirrors from its own.
    public const string OpenAIRequestId = "x-request-id";

    public const string RetryAfter = "Retry-After";

    // <summary>
    // Maps a metadata name to its header name; the five well-known names return cached strings so
    // the common case allocates nothing.
    // </summary>
    public static string ForMetadata(string name)
    {
        switch (name.ToLowerInvariant())
        {
            case "user": return User;
            case "org": return Org;
            case "plan": return Plan;
            case "project": return Project;
            case "feature": return Feature;
        }
        return name.StartsWith(Prefix, System.StringComparison.OrdinalIgnoreCase)
            ? name.ToLowerInvariant()
            : Prefix + name.ToLowerInvariant();
    }
}
