using System;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// Metrics and traces for Tokenlay-routed calls, with no dependency beyond the BCL. Instrument
/// and attribute names follow the OpenTelemetry GenAI conventions where one exists
/// (<c>gen_ai.client.token.usage</c>, <c>gen_ai.client.operation.duration</c>); cost and rule
/// actions are <c>tokenlay.*</c>. Listen with <c>AddMeter("Tokenlay.Sdk")</c> and
/// <c>AddSource("Tokenlay.Sdk")</c>: the source emits one client span per HTTP attempt.
/// </summary>
public static class TokenlayTelemetry
{
    /// <summary>The name of the <see cref="Meter"/>.</summary>
    public const string MeterName = "Tokenlay.Sdk";

    /// <summary>The name of the <see cref="ActivitySource"/>: one span per HTTP attempt, a child of the current activity.</summary>
    public const string ActivitySourceName = "Tokenlay.Sdk";

    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(TokenlayTelemetry).Assembly.GetName().Version?.ToString(3));

    private static readonly Meter s_meter = new(MeterName, typeof(TokenlayTelemetry).Assembly.GetName().Version?.ToString(3));

    private static readonly Histogram<long> s_tokens = s_meter.CreateHistogram<long>(
        "gen_ai.client.token.usage", "{token}", "Tokens used per call, by gen_ai.token.type (input or output).");

    private static readonly Histogram<double> s_duration = s_meter.CreateHistogram<double>(
        "gen_ai.client.operation.duration", "s", "Time from sending a call to its response headers.");

    private static readonly Counter<double> s_cost = s_meter.CreateCounter<double>(
        "tokenlay.client.cost", "USD", "Cost of calls as metered by Tokenlay.");

    private static readonly Counter<long> s_ruleActions = s_meter.CreateCounter<long>(
        "tokenlay.client.rule_actions", "{call}", "Calls by the smart-rule action applied (allow, block, warn, queue, downgrade).");

    internal static bool Enabled => s_tokens.Enabled || s_duration.Enabled || s_cost.Enabled || s_ruleActions.Enabled;

    /// <summary>Records one finished call's metrics. Only called when <see cref="Enabled"/>.</summary>
    internal static void Record(PipelineMessage message, TokenlayResponseInfo info, long startedTimestamp, TokenlayUserTagMode userTag)
    {
        message.Request.Headers.TryGetValue(TokenlayHeaderNames.Feature, out string? feature);
        string? user = null;
        if (userTag != TokenlayUserTagMode.None && message.Request.Headers.TryGetValue(TokenlayHeaderNames.User, out string? rawUser) && rawUser is not null)
        {
            user = userTag == TokenlayUserTagMode.Raw ? rawUser : Hash(rawUser);
        }
        string operation = Operation(message.Request.Uri);
        string action = info.RuleAction?.ToString() ?? "none";

        var tags = new TagList
        {
            { "gen_ai.operation.name", operation },
            { "gen_ai.response.model", info.Model },
            { "tokenlay.rule_action", action },
            { "tokenlay.feature", feature },
        };
        if (user is not null)
        {
            tags.Add("tokenlay.user", user);
        }
        if (info.Status >= 400)
        {
            tags.Add("error.type", info.Status.ToString(CultureInfo.InvariantCulture));
        }
        s_duration.Record((Stopwatch.GetTimestamp() - startedTimestamp) / (double)Stopwatch.Frequency, tags);
        s_ruleActions.Add(1, tags);
        if (info.InputTokens is { } input)
        {
            TagList inputTags = tags;
            inputTags.Add("gen_ai.token.type", "input");
            s_tokens.Record(input, inputTags);
        }
        if (info.OutputTokens is { } output)
        {
            TagList outputTags = tags;
            outputTags.Add("gen_ai.token.type", "output");
            s_tokens.Record(output, outputTags);
        }
        if (info.CostUsd is { } cost)
        {
            s_cost.Add((double)cost, tags);
        }
    }

    internal static string Operation(Uri? uri)
    {
        string path = uri?.AbsolutePath ?? "";
        if (path.EndsWith("/embeddings", StringComparison.Ordinal))
        {
            return "embeddings";
        }
        return path.EndsWith("/chat/completions", StringComparison.Ordinal) || path.EndsWith("/responses", StringComparison.Ordinal)
            ? "chat"
            : path.Substring(path.LastIndexOf('/') + 1);
    }

    private static string Hash(string user)
    {
        using var sha = SHA256.Create();
        byte[] digest = sha.ComputeHash(Encoding.UTF8.GetBytes(user));
        var text = new StringBuilder(16);
        for (int i = 0; i < 8; i++)
        {
            text.Append(digest[i].ToString("x2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
