using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Proxy;

/// <summary>
/// One proxied call, read and validated: everything later stages need, so none of them has to
/// look at the raw request again or can meet a shape it does not expect.
/// </summary>
internal sealed class ProxyCall
{
    /// <summary>The OpenAI path under /v1: <c>chat/completions</c>, <c>responses</c> or <c>embeddings</c>.</summary>
    public required string Endpoint { get; init; }

    /// <summary>The parsed body; the model is rewritten in it when a rule changes the model.</summary>
    public required JsonObject Body { get; init; }

    /// <summary>The body exactly as sent, for the idempotency fingerprint.</summary>
    public required byte[] RawBody { get; init; }

    /// <summary>The model the caller asked for.</summary>
    public required string Model { get; init; }

    public required bool Stream { get; init; }

    /// <summary>Whether the caller asked for the usage chunk of a chat stream.</summary>
    public required bool IncludeUsage { get; init; }

    /// <summary><c>max_completion_tokens</c>, <c>max_tokens</c> or <c>max_output_tokens</c>, when given.</summary>
    public required long? MaxOutputTokens { get; init; }

    public required RequestMetadata Metadata { get; init; }
}
