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
    private readonly TokenlayRegistration _registration;
    private int _validatedOnce;

    public TokenlayOptionsValidator(TokenlayRegistration registration)
    {
        _registration = registration;
    }

    public ValidateOptionsResult Validate(string? name, TokenlayOptions options)
    {
        if (!string.Equals(name ?? Options.DefaultName, _registration.Name, StringComparison.Ordinal) || Volatile.Read(ref _validatedOnce) != 0)
        {
            return ValidateOptionsResult.Skip;
        }
        string path = _registration.Path;
        if (string.IsNullOrWhiteSpace(options.TokenlayKey))
        {
            return ValidateOptionsResult.Fail(
                $"Tokenlay is not configured: '{path}:TokenlayKey' is missing. Set it in appsettings, user secrets or the environment (for example {path.Replace(":", "__", StringComparison.Ordinal)}__TokenlayKey, or {TokenlayOptions.TokenlayKeyVariable}).");
        }
        try
        {
            _ = new TokenlaySettingsSource(options); // validates as a client would, naming settings as code does (rewritten below)
            Volatile.Write(ref _validatedOnce, 1);
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException e)
        {
            return ValidateOptionsResult.Fail($"Tokenlay configuration '{path}' is invalid: {Describe(e).Replace("TokenlayOptions.", path + ":", StringComparison.Ordinal)}");
        }
    }

    /// <summary>An exception's message without the "(Parameter 'x')" that ArgumentException appends: the message already names the setting.</summary>
    internal static string Describe(Exception e) =>
        e is ArgumentException { ParamName: { } param } && e.Message.EndsWith($" (Parameter '{param}')", StringComparison.Ordinal)
            ? e.Message.Substring(0, e.Message.Length - $" (Parameter '{param}')".Length)
            : e.Message;
}
