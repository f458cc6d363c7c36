namespace Tokenlay;

/// <summary>What a Tokenlay smart rule did with a call (<c>x-tokenlay-rule-action</c>).</summary>
public enum TokenlayRuleAction
{
    /// <summary>The proxy sent an action this version of the SDK does not know; see <see cref="TokenlayResponseInfo.RuleActionText"/>.</summary>
    Unknown = 0,

    /// <summary>The call was allowed.</summary>
    Allow,

    /// <summary>The call was refused because a limit was reached.</summary>
    Block,

    /// <summary>The call went through with a warning.</summary>
    Warn,

    /// <summary>The call was queued until capacity freed up.</summary>
    Queue,

    /// <summary>The call was served by a cheaper model; see <see cref="TokenlayResponseInfo.Model"/>.</summary>
    Downgrade,
}
