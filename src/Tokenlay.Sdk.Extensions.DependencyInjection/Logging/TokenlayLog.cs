using System;
using Microsoft.Extensions.Logging;

namespace Tokenlay;

/// <summary>
/// Log events for rule outcomes of hosted clients. They carry ids, rules and models: never keys,
/// and never the user unless the app puts it in a scope of its own.
/// </summary>
internal static class TokenlayLog
{
    private static readonly Action<ILogger, string?, int, string?, Exception?> s_blocked = LoggerMessage.Define<string?, int, string?>(
        LogLevel.Warning, new EventId(1, "TokenlayBlocked"), "Tokenlay blocked a call: rule {RuleId}, status {Status}, request {RequestId}");

    private static readonly Action<ILogger, string?, string, string?, Exception?> s_warned = LoggerMessage.Define<string?, string, string?>(
        LogLevel.Warning, new EventId(2, "TokenlayWarning"), "Tokenlay warned: rule {RuleId}: {Warnings} (request {RequestId})");

    private static readonly Action<ILogger, string?, string?, string?, Exception?> s_downgraded = LoggerMessage.Define<string?, string?, string?>(
        LogLevel.Information, new EventId(3, "TokenlayDowngrade"), "Tokenlay downgraded a call to {Model}: rule {RuleId}, request {RequestId}");

    public static Action<TokenlayResponseInfo> For(ILogger logger) => info =>
    {
        if (info.RuleAction == TokenlayRuleAction.Block)
        {
            s_blocked(logger, info.RuleId, info.Status, info.RequestId, null);
        }
        else if (info.RuleAction == TokenlayRuleAction.Downgrade)
        {
            s_downgraded(logger, info.Model, info.RuleId, info.RequestId, null);
        }
        if (info.Warnings.Count > 0)
        {
            s_warned(logger, info.RuleId, string.Join("; ", info.Warnings), info.RequestId, null);
        }
    };
}
