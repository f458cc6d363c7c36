namespace Tokenlay.AspNetCore;

/// <summary>Endpoint metadata naming the product feature its LLM calls are attributed to.</summary>
public sealed class TokenlayFeatureMetadata
{
    /// <summary>Creates the metadata.</summary>
    public TokenlayFeatureMetadata(string feature)
    {
        Feature = feature;
    }

    /// <summary>The feature, sent as <c>x-tokenlay-feature</c>.</summary>
    public string Feature { get; }
}
