using System;
using System.ClientModel;
using System.Threading;

namespace Tokenlay;

/// <summary>
/// Where a client reads its settings on every call. Created with fixed settings by the factory;
/// hosting code can <see cref="Update"/> it when configuration reloads, so a new provider key or
/// new metadata applies to the next call without a restart.
/// </summary>
internal sealed class TokenlaySettingsSource
{
    private TokenlaySettings _current;

    public TokenlaySettingsSource(TokenlaySettings settings, ApiKeyCredential? credential = null)
    {
        _current = settings;
        Credential = credential ?? new ApiKeyCredential(settings.TokenlayKey);
    }

    public TokenlaySettings Current => Volatile.Read(ref _current);

    /// <summary>The credential the OpenAI client authenticates with; updated with the key.</summary>
    public ApiKeyCredential Credential { get; }

    /// <summary>
    /// Applies new settings to later calls. The endpoint is fixed when the OpenAI client is built,
    /// so a new base URL needs a new client.
    /// </summary>
    /// <exception cref="InvalidOperationException">The base URL changed.</exception>
    public void Update(TokenlaySettings settings)
    {
        if (settings.BaseUrl != Current.BaseUrl)
        {
            throw new InvalidOperationException(
                $"TokenlayBaseUrl changed from {Current.BaseUrl} to {settings.BaseUrl}; a running client keeps its endpoint. Restart to use the new one.");
        }
        Credential.Update(settings.TokenlayKey);
        Volatile.Write(ref _current, settings);
    }
}
