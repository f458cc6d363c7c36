using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Upstream;

/// <summary>One call on its way to the provider.</summary>
/// <param name="Endpoint">The OpenAI path under /v1: <c>chat/completions</c>, <c>responses</c> or <c>embeddings</c>.</param>
/// <param name="Body">The request body, with the model already rewritten by rules.</param>
/// <param name="Model">The model that will serve the call.</param>
/// <param name="Stream">Whether the caller asked for a stream.</param>
/// <param name="ProviderKey">The provider key from <c>x-tokenlay-provider-key</c>.</param>
/// <param name="ProviderBase">The provider base from <c>x-tokenlay-provider-base</c>.</param>
/// <param name="InputTokens">The prompt tokens, counted once by the proxy with the model's tokenizer.</param>
internal sealed record ProxyRequest(string Endpoint, JsonObject Body, string Model, bool Stream, string? ProviderKey, string? ProviderBase, long InputTokens = 0)
{
    /// <summary>The customer's connected key (<c>x-tokenlay-key-ref</c>), which decides the URL and the auth header; null for a key sent per call.</summary>
    public Keys.ResolvedKey? Key { get; init; }

    /// <summary>Whether the caller asked for the usage chunk at the end of a chat stream.</summary>
    public bool IncludeUsage => Body["stream_options"]?["include_usage"]?.GetValueKind() == System.Text.Json.JsonValueKind.True;

    /// <summary>Never the provider key: a record would print every member.</summary>
    public override string ToString() => $"ProxyRequest {{ Endpoint = {Endpoint}, Model = {Model}, Stream = {Stream}, ProviderBase = {ProviderBase}, Key = {Key} }}";
}
