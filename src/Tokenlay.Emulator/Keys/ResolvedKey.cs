namespace Tokenlay.Emulator.Keys;

/// <summary>
/// A connected key opened for one call or one validation: the secret in clear, held only for as
/// long as the request takes. <see cref="ToString"/> never shows the secret, so no log line or
/// exception that formats this object can carry it.
/// </summary>
internal sealed class ResolvedKey
{
    public ResolvedKey(string id, string refId, string provider, string secret, string baseUrl, string? deployment, string? apiVersion)
    {
        Id = id;
        RefId = refId;
        Provider = provider;
        Secret = secret;
        BaseUrl = baseUrl;
        Deployment = deployment;
        ApiVersion = apiVersion;
    }

    public string Id { get; }
    public string RefId { get; }
    public string Provider { get; }
    public string Secret { get; }
    public string BaseUrl { get; }
    public string? Deployment { get; }
    public string? ApiVersion { get; }

    public override string ToString() => $"ResolvedKey {{ Id = {Id}, RefId = {RefId}, Provider = {Provider}, BaseUrl = {BaseUrl} }}";
}
