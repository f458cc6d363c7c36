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

    private static long OutputCap(ProxyCall call)
    {
        return call.MaxOutputTokens is { } max ? max * call.Choices + LowerSlack : OutputUpperWithoutMax;
    }

    private static bool Plausible(long reported, long ours, long upper) =>
        reported >= 0 && reported >= ours / 2 - LowerSlack && reported <= upper;
}
