namespace Tokenlay.AI;

/// <summary>
/// The per-call context as carried in <c>ChatOptions.AdditionalProperties</c>. It has no public
/// member, so middleware that serializes or logs the options (UseLogging at trace level,
/// OpenTelemetry with sensitive data on) writes <c>{}</c>, never a customer's provider key.
/// </summary>
internal sealed class TokenlayCallContext
{
    public TokenlayCallContext(TokenlayResolvedContext resolved)
    {
        Resolved = resolved;
    }

    internal TokenlayResolvedContext Resolved { get; }

    public override string ToString() => "TokenlayRequestContext (values not shown)";
}
