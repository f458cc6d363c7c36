namespace Tokenlay;

/// <summary>What hosting knows about one <c>AddTokenlay</c> call: its name and where its settings come from, for messages.</summary>
internal sealed class TokenlayRegistration
{
    public TokenlayRegistration(string name, string path, bool fromConfiguration)
    {
        Name = name;
        Path = path;
        ConfigurationPath = fromConfiguration ? path : null;
        _fromConfiguration = fromConfiguration;
    }

    private readonly bool _fromConfiguration;

    /// <summary>The named HttpClient of a registration.</summary>
    public static string HttpClientName(string name) => name.Length == 0 ? "Tokenlay" : "Tokenlay:" + name;

    /// <summary>The named HttpClient of a registration's health probe: no resilience handler.</summary>
    public static string HealthHttpClientName(string name) => HttpClientName(name) + ":health";

    /// <summary>Empty for <c>AddTokenlay</c>, the key for <c>AddKeyedTokenlay</c>.</summary>
    public string Name { get; }

    /// <summary>The configuration section's path (<c>Tokenlay</c>), or <c>TokenlayOptions</c> when set in code.</summary>
    public string Path { get; }

    /// <summary>The configuration path runtime messages name the settings by; null when set in code.</summary>
    public string? ConfigurationPath { get; }

    /// <summary>How messages name a resilience option: <c>'Tokenlay:Resilience:ReadTimeout'</c>, or the property when set in code.</summary>
    public string ResilienceSetting(string property) =>
        _fromConfiguration ? "'" + Path + ":Resilience:" + property + "'" : "TokenlayResilienceOptions." + property;
}
