namespace Tokenlay;

/// <summary>
/// How error messages name a setting, so that they point at the place the user actually sets it:
/// <c>TokenlayOptions.X (ENV_VAR)</c> for options made in code or from the environment, and the
/// configuration key (<c>'Tokenlay:X'</c>) for options bound by dependency injection, where the
/// <c>TOKENLAY_*</c> variables only fill what configuration leaves unset.
/// </summary>
internal sealed class TokenlaySettingNames
{
    public static readonly TokenlaySettingNames Code = new(null);

    private readonly string? _configurationPath;

    private TokenlaySettingNames(string? configurationPath)
    {
        _configurationPath = configurationPath;
    }

    public static TokenlaySettingNames ForConfiguration(string path) => new(path);

    public string TokenlayBaseUrl => Name(nameof(TokenlayOptions.TokenlayBaseUrl), TokenlayOptions.TokenlayBaseUrlVariable);

    public string TokenlayKey => Name(nameof(TokenlayOptions.TokenlayKey), TokenlayOptions.TokenlayKeyVariable);

    public string ProviderApiKey => Name(nameof(TokenlayOptions.ProviderApiKey), TokenlayOptions.ProviderApiKeyVariable);

    public string NetworkTimeout => Name(nameof(TokenlayOptions.NetworkTimeout), null);

    private string Name(string property, string? variable)
    {
        if (_configurationPath is not null)
        {
            return "'" + _configurationPath + ":" + property + "'";
        }
        return variable is null ? "TokenlayOptions." + property : "TokenlayOptions." + property + " (" + variable + ")";
    }
}
