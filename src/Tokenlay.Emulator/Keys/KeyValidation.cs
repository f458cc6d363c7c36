namespace Tokenlay.Emulator.Keys;

/// <summary>What asking the provider about a key gave.</summary>
/// <param name="Outcome"><c>valid</c>, <c>invalid</c> (the provider refused the key), <c>error</c> (it could not answer) or <c>unverified</c> (not asked: simulated mode, or <c>validate: false</c>).</param>
/// <param name="ProviderStatus">The provider's HTTP status, when it answered.</param>
/// <param name="Detail">What the provider said, with the key removed.</param>
internal sealed record KeyValidation(string Outcome, int? ProviderStatus = null, string? Detail = null)
{
    public static readonly KeyValidation Unverified = new("unverified");

    /// <summary>The status a key gets from this outcome; null when it says nothing about the key (<c>error</c>).</summary>
    public string? Status => Outcome switch
    {
        "valid" => KeyStatus.Active,
        "invalid" => KeyStatus.Invalid,
        "unverified" => KeyStatus.Unverified,
        _ => null,
    };
}
