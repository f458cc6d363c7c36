namespace Tokenlay;

/// <summary>Who produced an error response (<c>x-tokenlay-error-source</c>).</summary>
public enum TokenlayErrorSource
{
    /// <summary>The response did not say; for example a load balancer in front of the proxy answered.</summary>
    Unknown = 0,

    /// <summary>Tokenlay itself refused or failed the call.</summary>
    Tokenlay,

    /// <summary>The upstream LLM provider refused or failed the call.</summary>
    Provider,
}
