using System;
using System.ClientModel;
using System.Threading;

namespace Tokenlay;

/// <summary>
/// Settings that clients read on every call: give one source to
/// <see cref="TokenlayOpenAIClient.Create(TokenlaySettingsSource, Action{OpenAI.OpenAIClientOptions}, bool)"/> and
/// <see cref="TokenlayClient.TokenlayClient(TokenlaySettingsSource, Companion.TokenlayClientOptions)"/>, then <see cref="Update(TokenlayOptions)"/> it when
/// configuration reloads, and a rotated key, new metadata or a new timeout applies to the next call
/// of each client without building new ones.
/// </summary>
/// <remarks>
/// An advanced type for hosting code (the DI package uses it with <c>IOptionsMonitor</c>); an app
/// that builds its clients once passes <see cref="TokenlayOptions"/> instead.
/// </remarks>
public sealed class TokenlaySettingsSource
{
    private TokenlaySettings _current;
    private readonly TokenlaySettingNames _names = TokenlaySettingNames.Code;
    private readonly Action<TokenlayResponseInfo>? _alsoOnResponse;

    /// <summary>Reads and validates <paramref name="options"/> (a copy is kept: later changes to the object are not seen).</summary>
    /// <param name="options">The first settings.</param>
    /// <param name="configurationPath">
    /// Where the settings come from in configuration, such as <c>Tokenlay</c>: error messages then name
    /// <c>'Tokenlay:TokenlayKey'</c> rather than <c>TokenlayOptions.TokenlayKey</c>. Null for code.
    /// </param>
    /// <param name="alsoOnResponse">A callback run after the options' own <see cref="TokenlayOptions.OnResponse"/>, on every update too (hosting adds logging this way).</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is missing or a setting is invalid; the message names it.</exception>
    public TokenlaySettingsSource(TokenlayOptions options, string? configurationPath = null, Action<TokenlayResponseInfo>? alsoOnResponse = null)
    {
        _names = configurationPath is null ? TokenlaySettingNames.Code : TokenlaySettingNames.ForConfiguration(configurationPath);
        _alsoOnResponse = alsoOnResponse;
        _current = TokenlaySettings.From(options, alsoOnResponse, _names);
        Credential = new ApiKeyCredential(_current.TokenlayKey);
    }

    internal TokenlaySettingsSource(TokenlaySettings settings, ApiKeyCredential? credential = null)
    {
        _current = settings;
        Credential = credential ?? new ApiKeyCredential(settings.TokenlayKey);
    }

    internal TokenlaySettings Current => Volatile.Read(ref _current);

    /// <summary>The credential the OpenAI client authenticates with; updated with the key.</summary>
    internal ApiKeyCredential Credential { get; }

    /// <summary>
    /// Applies new settings to later calls. The endpoint is fixed when the OpenAI client is built,
    /// so a new base URL needs a new client.
    /// </summary>
    /// <exception cref="InvalidOperationException">The base URL changed.</exception>
    /// <summary>Validates <paramref name="options"/> and makes them the settings of every next call.</summary>
    /// <param name="options">The new settings; the base URL must stay the same.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">A key is missing or a setting is invalid; the last good settings stay in use.</exception>
    /// <exception cref="InvalidOperationException">The base URL changed: a running client keeps its endpoint.</exception>
    public void Update(TokenlayOptions options) => Update(TokenlaySettings.From(options, _alsoOnResponse, _names));

    internal void Update(TokenlaySettings settings)
    {
        if (settings.BaseUrl != Current.BaseUrl)
        {
            throw new InvalidOperationException(
                $"TokenlayBaseUrl changed from {Current.BaseUrl} to {settings.BaseUrl}; a running client keeps its endpoint. Restart to use the new one.");
        }
        Credential.Update(settings.TokenlayKey);
        Volatile.Write(ref _current, settings);
    }

    /// <summary>Names the type and endpoint only: the settings hold keys.</summary>
    /// <returns>For example <c>TokenlaySettingsSource (http://127.0.0.1:5000/)</c>.</returns>
    public override string ToString() => $"TokenlaySettingsSource ({Current.BaseUrl})";
}
