namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// What the provider answered. For streams <see cref="Body"/> is null on success, because the reply
/// has already been relayed to the caller chunk by chunk.
/// </summary>
internal sealed record UpstreamReply(int Status, byte[]? Body, long InputTokens, long OutputTokens, string? Error = null)
{
    public bool Success => Status is >= 200 and < 300;
}
