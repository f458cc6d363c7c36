using System;
using Microsoft.Extensions.Options;

namespace Tokenlay;

/// <summary>
/// Fills what configuration left unset from the variables <see cref="TokenlayOptions.FromEnvironment"/>
/// reads (<c>TOKENLAY_KEY</c>, <c>PROVIDER_API_KEY</c>, <c>PROVIDER_API_BASE</c>, <c>TOKENLAY_BASE_URL</c>),
/// so that an app bound to configuration honours the same variables as one built in code.
/// </summary>
/// <remarks>
/// A post-configure step, so it runs after binding and after code's own <c>Configure</c>: a value set
/// anywhere else wins, the environment only fills gaps. It runs again on every configuration reload.
/// </remarks>
internal sealed class TokenlayEnvironmentFallback : IPostConfigureOptions<TokenlayOptions>
{
    private readonly string _name;

    public TokenlayEnvironmentFallback(string name)
    {
        _name = name;
    }

    public void PostConfigure(string? name, TokenlayOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, _name, StringComparison.Ordinal))
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(options.TokenlayKey))
        {
            options.TokenlayKey = Read(TokenlayOptions.TokenlayKeyVariable) ?? options.TokenlayKey;
        }
        if (string.IsNullOrWhiteSpace(options.ProviderApiKey))
        {
            options.ProviderApiKey = Read(TokenlayOptions.ProviderApiKeyVariable) ?? options.ProviderApiKey;
        }
        options.TokenlayBaseUrl ??= ReadUri(TokenlayOptions.TokenlayBaseUrlVariable);
        options.ProviderApiBase ??= ReadUri(TokenlayOptions.ProviderApiBaseVariable);
    }

    private static string? Read(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <exception cref="ArgumentException">The variable is set but is not an absolute URL (the message names the variable, never a key).</exception>
    private static Uri? ReadUri(string variable)
    {
        string? text = Read(variable);
        if (text is null)
        {
            return null;
        }
        return Uri.TryCreate(text, UriKind.Absolute, out Uri? parsed)
            ? parsed
            : throw new ArgumentException($"The environment variable {variable} must be an absolute URL (it is used because configuration does not set the option).");
    }
}
