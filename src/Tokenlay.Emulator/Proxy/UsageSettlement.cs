using System;
using Tokenlay.Emulator.Tokens;
using Tokenlay.Emulator.Upstream;

namespace Tokenlay.Emulator.Proxy;

/// <summary>The tokens a call is metered for, and how they were obtained (<c>CallLogEntry.UsageSource</c>).</summary>
internal readonly record struct MeteredUsage(long InputTokens, long OutputTokens, string Source, string? Warning = null);

/// <summary>
/// Decides what a call is metered for. Simulated replies are counted with the model's tokenizer.
/// A forwarded provider's usage is a claim: it is used only when its numbers are whole, not
/// negative and plausible next to our own count of the prompt and of the text relayed; otherwise
/// our count is metered and the entry says <c>estimated</c>.
/// </summary>
internal static class UsageSettlement
{
    /// <summary>A provider may count fewer tokens than we do (another tokenizer), but not less than half, less a little.</summary>
    private const long LowerSlack = 64;

    /// <summary>Images, audio and hidden reasoning are billed on top of the text we can count: generous upper bounds.</summary>
    private const long InputUpperFactor = 8, InputUpperSlack = 100_000, OutputUpperWithoutMax = 1_000_000;

    public static MeteredUsage FromReply(UpstreamReply reply, ProxyCall call, string model, long ourInput)
    {
        string exactness = TokenCounter.IsExact(model) ? "counted" : "estimated";
        if (!reply.Reported)
        {
            return new MeteredUsage(reply.InputTokens, reply.OutputTokens, exactness);
        }
        long ourOutput = TokenCounter.Count(model, reply.OutputText);
        if (Plausible(reply.InputTokens, ourInput, ourInput * InputUpperFactor + InputUpperSlack)
            && Plausible(reply.OutputTokens, ourOutput, OutputCap(call)))
        {
            return new MeteredUsage(reply.InputTokens, reply.OutputTokens, "provider");
        }
        return new MeteredUsage(ourInput, ourOutput, "estimated",
            reply.InputTokens < 0 && reply.OutputTokens < 0
                ? "The provider's reply carried no usage; this call is metered on the emulator's own count."
                : $"The provider's usage ({reply.InputTokens} in, {reply.OutputTokens} out) is not plausible; this call is metered on the emulator's own count.");
    }

    /// <summary>A stream cut short (the caller left, or the provider broke off): what was produced up to then.</summary>
    public static MeteredUsage FromProgress(StreamProgress progress, ProxyCall call, string model, long ourInput)
    {
        long ourOutput = TokenCounter.Count(model, progress.Text);
        if (progress.ReportedOutputTokens is { } reported && Plausible(progress.InputTokens, ourInput, ourInput * InputUpperFactor + InputUpperSlack)
            && Plausible(reported, ourOutput, OutputCap(call)))
        {
            return new MeteredUsage(progress.InputTokens, reported, "provider");
        }
        return new MeteredUsage(ourInput, ourOutput, TokenCounter.IsExact(model) ? "counted" : "estimated");
    }

    /// <summary>
    /// A call admitted under a hard limit is metered at no more than it held. The hold is the cap the
    /// provider was sent, but the provider may count the prompt a few tokens higher than we do (its own
    /// tokenizer, hidden tokens): metered as reported, that would pass the limit. The excess comes off
    /// the output (the dearer side, so the cost stays within the hold too), and the call says so.
    /// Calls let through past a limit (warn, downgrade) were never held to it and are metered as reported.
    /// </summary>
    public static MeteredUsage WithinHold(MeteredUsage usage, Budget.Hold hold)
    {
        if (!hold.Counted || hold.Exceeded is not null || (hold.Lines.Count == 0 && hold.Credits is null) || hold.Estimate.Tokens is not { } held)
        {
            return usage;
        }
        long total = usage.InputTokens + usage.OutputTokens;
        if (total <= held)
        {
            return usage;
        }
        long input = Math.Min(usage.InputTokens, held);
        return usage with
        {
            InputTokens = input,
            OutputTokens = held - input,
            Warning = $"The provider counted {usage.InputTokens} in and {usage.OutputTokens} out, more than the {held} tokens this call held under rule '{hold.Rule?.Id}'; it is metered at its hold, so the limit is never passed.",
        };
    }

    private static long OutputCap(ProxyCall call)
    {
        return call.MaxOutputTokens is { } max ? max * call.Choices + LowerSlack : OutputUpperWithoutMax;
    }

    private static bool Plausible(long reported, long ours, long upper) =>
        reported >= 0 && reported >= ours / 2 - LowerSlack && reported <= upper;
}
