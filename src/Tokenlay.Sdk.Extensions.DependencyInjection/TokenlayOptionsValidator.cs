using System;
using System.Threading;
using Microsoft.Extensions.Options;

namespace Tokenlay;

/// <summary>
/// Validates a Tokenlay registration's options at start (ValidateOnStart), with messages that
/// name the configuration path to fix rather than a property of a class.
/// </summary>
/// <remarks>
/// It enforces until the options first validate, that is at start. A validator that failed on a
/// later reload would throw out of the configuration's change callback (a file watcher thread),
/// so reloads are checked by <see cref="TokenlayHostedClients"/> instead, which logs a bad change
/// and keeps serving with the last good settings.
/// </remarks>
internal sealed class TokenlayOptionsValidator : IValidateOptions<TokenlayOptions>
{
    private readonly string _name;
    private readonly string _path;
    private int _validatedOnce;

    public TokenlayOptionsValidator(string name, string path)
    {
        _name = name;
        _path = path;
    }

    public ValidateOptionsResult Validate(string? name, TokenlayOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, _name, StringComparison.Ordinal) || Volatile.Read(ref _validatedOnce) != 0)
        {
            return ValidateOptionsResult.Skip;
        }
        if (string.IsNullOrWhiteSpace(options.TokenlayKey))
        {
            return ValidateOptionsResult.Fail(
                $"Tokenlay is not configured: '{_path}:TokenlayKey' is missing. Set it in appsettings, user secrets or the environment (for example {_path.Replace(":", "__", StringComparison.Ordinal)}__TokenlayKey).");
        }
        if (string.IsNullOrWhiteSpace(options.ProviderApiKey))
        {
            return ValidateOptionsResult.Fail(
                $"Tokenlay is not configured: '{_path}:ProviderApiKey' is missing. Set it to your LLM provider's key (for example {_path.Replace(":", "__", StringComparison.Ordinal)}__ProviderApiKey).");
        }
        try
        {
            TokenlaySettings.From(options);
            Volatile.Write(ref _validatedOnce, 1);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Tokenlay configuration '{_path}' is invalid: {e.Message.Replace("TokenlayOptions.", _path + ":", StringComparison.Ordinal)}");
        }
    }
}
