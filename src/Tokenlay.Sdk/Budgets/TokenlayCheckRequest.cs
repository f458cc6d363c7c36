namespace Tokenlay;

/// <summary>What to ask <see cref="Companion.TokenlayLimitsClient.CheckAsync(TokenlayCheckRequest, System.Threading.CancellationToken)"/>: a call you are about to make.</summary>
/// <example><code>var check = new TokenlayCheckRequest("gpt-4o-mini") { User = "alice", EstimatedOutputTokens = 500 };</code></example>
public sealed class TokenlayCheckRequest : TokenlayUsageSubject
{
    /// <summary>Creates a check for a call to <paramref name="model"/>.</summary>
    public TokenlayCheckRequest(string model)
        : base(model)
    {
    }

    /// <summary>Prompt tokens the call will use, if known; token and cost limits are checked with it.</summary>
    public long? EstimatedInputTokens { get; set; }

    /// <summary>Output tokens the call may use (its max tokens); without it Tokenlay assumes what a call without max tokens holds.</summary>
    public long? EstimatedOutputTokens { get; set; }
}
