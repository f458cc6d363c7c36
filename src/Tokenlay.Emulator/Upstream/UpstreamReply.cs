namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// What the provider answered. For streams <see cref="Body"/> is null on success, because the reply
/// has already been relayed to the caller chunk by chunk. <see cref="Reported"/> says the token
/// numbers are the provider's own claim (forward mode), to be checked before they are metered.
/// </summary>
internal sealed record UpstreamReply(int Status, byte[]? Body, long InputTokens, long OutputTokens, string? Error = null, bool Reported = false, string? OutputText = null)
{
    public bool Success => Status is >= 200 and < 300;
}
