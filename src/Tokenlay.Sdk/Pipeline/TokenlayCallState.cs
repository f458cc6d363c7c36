using System.ClientModel.Primitives;
using System.Diagnostics;

namespace Tokenlay.Pipeline;

/// <summary>
/// What one logical call reads once, at its start, and every Tokenlay policy of the call shares:
/// the settings (a configuration reload applies between calls, never within one), the ambient
/// scope and the start time. Kept on the message, so the policies never disagree about them.
/// </summary>
internal sealed class TokenlayCallState
{
    private TokenlayCallState(TokenlaySettings settings, TokenlayResolvedContext? scope)
    {
        Settings = settings;
        Scope = scope;
        Started = Stopwatch.GetTimestamp();
    }

    public TokenlaySettings Settings { get; }

    /// <summary>The merged context of the scopes active when the call started; null when none is.</summary>
    public TokenlayResolvedContext? Scope { get; }

    /// <summary>The <see cref="Stopwatch"/> timestamp the call started at.</summary>
    public long Started { get; }

    /// <summary>The call's state; made (and kept on the message) by the first policy that asks.</summary>
    public static TokenlayCallState Of(PipelineMessage message, TokenlaySettingsSource source)
    {
        if (message.TryGetProperty(typeof(TokenlayCallState), out object? known) && known is TokenlayCallState state)
        {
            return state;
        }
        state = new TokenlayCallState(source.Current, TokenlayScope.Current);
        message.SetProperty(typeof(TokenlayCallState), state);
        return state;
    }
}
