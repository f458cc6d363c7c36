using System;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Json;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// What Tokenlay reported about one call, read from its <c>x-tokenlay-*</c> response headers.
/// Every property is null when the proxy did not send (or sent an unreadable) header.
/// </summary>
public class TokenlayResponseInfo
{
    /// <summary>Creates an empty instance; for tests and mocks (see <see cref="TokenlayModelFactory"/>).</summary>
    protected TokenlayResponseInfo()
    {
        Warnings = Array.Empty<string>();
        Labels = Array.Empty<TokenlayLabel>();
    }

    internal TokenlayResponseInfo(int status, string? requestId, string? ruleId, TokenlayRuleAction? ruleAction, bool? limitExceeded,
        decimal? costUsd, long? tokensUsed, long? inputTokens, long? outputTokens, TimeSpan? duration,
        IReadOnlyList<string> warnings, string? model, IReadOnlyList<TokenlayLabel>? labels = null, decimal? creditsUsed = null, decimal? creditsRemaining = null)
    {
        Labels = labels ?? Array.Empty<TokenlayLabel>();
        CreditsUsed = creditsUsed;
        CreditsRemaining = creditsRemaining;
        Status = status;
        RequestId = requestId;
        RuleId = ruleId;
        RuleAction = ruleAction;
        LimitExceeded = limitExceeded;
        CostUsd = costUsd;
        TokensUsed = tokensUsed;
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        Duration = duration;
        Warnings = warnings;
        Model = model;
    }

    /// <summary>The HTTP status of the response.</summary>
    public virtual int Status { get; }

    /// <summary>Tokenlay's id for the call (<c>x-tokenlay-request-id</c>); quote it to support.</summary>
    public virtual string? RequestId { get; }

    /// <summary>The smart rule that matched (<c>x-tokenlay-rule-id</c>).</summary>
    public virtual string? RuleId { get; }

    /// <summary>What the rule did (<c>x-tokenlay-rule-action</c>); an action newer than this SDK is kept as sent.</summary>
    public virtual TokenlayRuleAction? RuleAction { get; }

    /// <summary>Whether a limit was exceeded (<c>x-tokenlay-limit-exceeded</c>).</summary>
    public virtual bool? LimitExceeded { get; }

    /// <summary>The cost of the call in US dollars (<c>x-tokenlay-cost</c>); null when unknown, never a guessed 0.</summary>
    public virtual decimal? CostUsd { get; }

    /// <summary>Total tokens metered (<c>x-tokenlay-tokens-used</c>).</summary>
    public virtual long? TokensUsed { get; }

    /// <summary>Input (prompt) tokens (<c>x-tokenlay-input-tokens</c>).</summary>
    public virtual long? InputTokens { get; }

    /// <summary>Output (completion) tokens (<c>x-tokenlay-output-tokens</c>).</summary>
    public virtual long? OutputTokens { get; }

    /// <summary>How long the proxy spent on the call (<c>x-tokenlay-duration</c>, milliseconds on the wire).</summary>
    public virtual TimeSpan? Duration { get; }

    /// <summary>Warnings from warn rules (<c>x-tokenlay-warnings</c>); empty when there are none.</summary>
    public virtual IReadOnlyList<string> Warnings { get; }

    /// <summary>The model that actually served the call, which differs from the one asked for after a downgrade.</summary>
    public virtual string? Model { get; }

    /// <summary>
    /// The intent labels of the call's prompt (<c>x-tokenlay-labels</c>), such as <see cref="TokenlayLabel.Jailbreak"/>,
    /// or <see cref="TokenlayLabel.Safe"/> alone; empty when the prompt was not labeled. The reply's labels
    /// come later, in the log (<see cref="Companion.TokenlayLogEntry.Labels"/>).
    /// </summary>
    public virtual IReadOnlyList<TokenlayLabel> Labels { get; }

    /// <summary>
    /// The credits the call burned (<c>x-tokenlay-credits-used</c>, or a stream's summary), for a call
    /// a rule's <c>then.credits</c> charges to a credit account; null otherwise. Exact decimals, never rounded.
    /// </summary>
    public virtual decimal? CreditsUsed { get; }

    /// <summary>
    /// What the credit account has available after the call (<c>x-tokenlay-credits-remaining</c>, or a
    /// stream's summary); negative when the rule allows overage; null when no credit account paid.
    /// </summary>
    public virtual decimal? CreditsRemaining { get; }

    /// <summary>Whether the response carried any Tokenlay header at all.</summary>
    public virtual bool HasTokenlayHeaders =>
        RequestId is not null || RuleAction is not null || CostUsd is not null || TokensUsed is not null || Model is not null;

    /// <summary>Reads the Tokenlay headers of <paramref name="response"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> is null.</exception>
    public static TokenlayResponseInfo FromResponse(PipelineResponse response)
    {
        if (response is null)
        {
            throw new ArgumentNullException(nameof(response));
        }
        PipelineResponseHeaders headers = response.Headers;
        return FromHeaders(response.Status, name => headers.TryGetValue(name, out string? value) ? value : null);
    }

    /// <summary>Reads the Tokenlay headers through <paramref name="header"/>, for callers holding another kind of response.</summary>
    internal static TokenlayResponseInfo FromHeaders(int status, Func<string, string?> header) => new(
        status,
        Text(header, TokenlayHeaderNames.RequestId),
        Text(header, TokenlayHeaderNames.RuleId),
        TokenlayRuleAction.FromWire(Text(header, TokenlayHeaderNames.RuleAction)),
        Bool(header, TokenlayHeaderNames.LimitExceeded),
        Decimal(header, TokenlayHeaderNames.Cost),
        Long(header, TokenlayHeaderNames.TokensUsed),
        Long(header, TokenlayHeaderNames.InputTokens),
        Long(header, TokenlayHeaderNames.OutputTokens),
        Milliseconds(header, TokenlayHeaderNames.Duration),
        ParseWarnings(Text(header, TokenlayHeaderNames.Warnings)),
        Text(header, TokenlayHeaderNames.Model),
        ParseLabels(Text(header, TokenlayHeaderNames.Labels)),
        Decimal(header, TokenlayHeaderNames.CreditsUsed),
        SignedDecimal(header, TokenlayHeaderNames.CreditsRemaining));

    /// <summary>
    /// This response's figures completed by a stream's <c>tokenlay.summary</c> event (cost, tokens,
    /// duration and model, which the headers of a stream cannot carry); the rest stays as the headers said.
    /// </summary>
    internal TokenlayResponseInfo WithStreamSummary(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(json.ToArray());
            System.Text.Json.JsonElement root = document.RootElement;
            decimal? cost = root.TryGetProperty("cost", out var c) && c.ValueKind == System.Text.Json.JsonValueKind.Number && c.TryGetDecimal(out decimal d) && d >= 0 ? d : CostUsd;
            long? input = Whole(root, "input_tokens") ?? InputTokens;
            long? output = Whole(root, "output_tokens") ?? OutputTokens;
            long? tokens = Whole(root, "tokens_used") ?? TokensUsed;
            TimeSpan? duration = Whole(root, "duration_ms") is { } ms ? TimeSpan.FromMilliseconds(ms) : Duration;
            string? model = root.TryGetProperty("model", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.String ? m.GetString() : Model;
            IReadOnlyList<TokenlayLabel> labels = Labels;
            if (root.TryGetProperty("labels", out var l) && l.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                var read = new List<TokenlayLabel>();
                foreach (System.Text.Json.JsonElement item in l.EnumerateArray())
                {
                    if (item.ValueKind == System.Text.Json.JsonValueKind.String && item.GetString() is { Length: > 0 } text && !read.Contains(text))
                    {
                        read.Add(text);
                    }
                }
                labels = read;
            }
            decimal? creditsUsed = Number(root, "credits_used") is { } used && used >= 0 ? used : CreditsUsed;
            decimal? creditsRemaining = Number(root, "credits_remaining") ?? CreditsRemaining; // negative under overage
            return new TokenlayResponseInfo(Status, RequestId, RuleId, RuleAction, LimitExceeded, cost, tokens, input, output, duration, Warnings, model,
                labels, creditsUsed, creditsRemaining);
        }
        catch (System.Text.Json.JsonException)
        {
            return this; // a summary we cannot read changes nothing
        }

        static decimal? Number(System.Text.Json.JsonElement root, string name) =>
            root.TryGetProperty(name, out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetDecimal(out decimal v) ? v : null;

        static long? Whole(System.Text.Json.JsonElement root, string name) =>
            root.TryGetProperty(name, out var e) && e.ValueKind == System.Text.Json.JsonValueKind.Number && e.TryGetDouble(out double v) && v >= 0 && v < 9e15 ? (long)v : null;
    }

    /// <summary>
    /// Several responses of one logical call (the round trips of a tool loop) as one: the last
    /// response's status, request id, rule and model; cost, tokens and duration summed (a sum is
    /// null when any part is unknown, never a guess); every warning.
    /// </summary>
    /// <param name="responses">The responses, oldest first; at least one.</param>
    /// <returns>One response info for the whole call.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="responses"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="responses"/> is empty.</exception>
    public static TokenlayResponseInfo Combine(IReadOnlyList<TokenlayResponseInfo> responses)
    {
        if (responses is null)
        {
            throw new ArgumentNullException(nameof(responses));
        }
        if (responses.Count == 0)
        {
            throw new ArgumentException("Give at least one response to combine.", nameof(responses));
        }
        if (responses.Count == 1)
        {
            return responses[0];
        }
        TokenlayResponseInfo last = responses[responses.Count - 1];
        decimal? cost = 0m;
        decimal? credits = null;
        long? tokens = 0, input = 0, output = 0;
        TimeSpan? duration = TimeSpan.Zero;
        bool? exceeded = null;
        var warnings = new List<string>();
        var labels = new List<TokenlayLabel>();
        foreach (TokenlayResponseInfo r in responses)
        {
            foreach (TokenlayLabel label in r.Labels)
            {
                if (!labels.Contains(label))
                {
                    labels.Add(label);
                }
            }
            cost = cost is null || r.CostUsd is null ? null : cost + r.CostUsd;
            credits = r.CreditsUsed is null ? credits : (credits ?? 0m) + r.CreditsUsed; // only round trips charged to credits count
            tokens = tokens is null || r.TokensUsed is null ? null : tokens + r.TokensUsed;
            input = input is null || r.InputTokens is null ? null : input + r.InputTokens;
            output = output is null || r.OutputTokens is null ? null : output + r.OutputTokens;
            duration = duration is null || r.Duration is null ? null : duration + r.Duration;
            exceeded = r.LimitExceeded == true || exceeded == true ? true : r.LimitExceeded ?? exceeded;
            warnings.AddRange(r.Warnings);
        }
        return new TokenlayResponseInfo(last.Status, last.RequestId, last.RuleId, last.RuleAction, exceeded,
            cost, tokens, input, output, duration, warnings, last.Model,
            labels.Count > 1 ? labels.FindAll(l => l != TokenlayLabel.Safe) : labels, // safe only when no round trip had another label
            credits, last.CreditsRemaining ?? responses.LastOrDefault(r => r.CreditsRemaining is not null)?.CreditsRemaining);
    }

    /// <summary>A one-line summary for logs (it holds no keys).</summary>
    public override string ToString()
    {
        var text = new StringBuilder("Tokenlay {");
        Append(text, "status", Status.ToString(CultureInfo.InvariantCulture));
        Append(text, "request", RequestId);
        Append(text, "rule", RuleId);
        Append(text, "action", RuleAction?.ToString());
        Append(text, "model", Model);
        Append(text, "tokens", TokensUsed?.ToString(CultureInfo.InvariantCulture));
        Append(text, "in", InputTokens?.ToString(CultureInfo.InvariantCulture));
        Append(text, "out", OutputTokens?.ToString(CultureInfo.InvariantCulture));
        Append(text, "cost_usd", CostUsd?.ToString(CultureInfo.InvariantCulture));
        Append(text, "credits_used", CreditsUsed?.ToString(CultureInfo.InvariantCulture));
        Append(text, "credits_remaining", CreditsRemaining?.ToString(CultureInfo.InvariantCulture));
        Append(text, "duration_ms", Duration?.TotalMilliseconds.ToString(CultureInfo.InvariantCulture));
        if (Labels.Count > 0)
        {
            Append(text, "labels", string.Join(",", Labels));
        }
        if (Warnings.Count > 0)
        {
            Append(text, "warnings", string.Join(" | ", Warnings));
        }
        return text.Append(" }").ToString();
    }

    private static void Append(StringBuilder text, string name, string? value)
    {
        if (value is not null)
        {
            text.Append(' ').Append(name).Append('=').Append(value);
        }
    }

    internal static string? Text(PipelineResponseHeaders headers, string name) =>
        headers.TryGetValue(name, out string? value) ? Trimmed(value) : null;

    private static string? Text(Func<string, string?> header, string name) => Trimmed(header(name));

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value!.Trim();

    private static bool? Bool(Func<string, string?> headers, string name) =>
        Text(headers, name) is { } text && bool.TryParse(text, out bool value) ? value : null;

    // Counts and money are never negative: a negative header is unusable, so it reads as absent
    // rather than being fed into monotonic counters.
    private static long? Long(Func<string, string?> headers, string name) =>
        Text(headers, name) is { } text && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) && value >= 0 ? value : null;

    private static decimal? Decimal(Func<string, string?> headers, string name) =>
        Text(headers, name) is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value) && value >= 0 ? value : null;

    private static decimal? SignedDecimal(Func<string, string?> headers, string name) =>
        Text(headers, name) is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal value) ? value : null;

    private static TimeSpan? Milliseconds(Func<string, string?> headers, string name) =>
        Text(headers, name) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double ms)
            ? TokenlayNumbers.ToTimeSpan(ms, TimeSpan.TicksPerMillisecond)
            : null;

    // "jailbreak,tos_breach": each label once, in the order sent; empty items are skipped.
    internal static IReadOnlyList<TokenlayLabel> ParseLabels(string? header)
    {
        if (header is null)
        {
            return Array.Empty<TokenlayLabel>();
        }
        var labels = new List<TokenlayLabel>();
        foreach (string part in header.Split(','))
        {
            string label = part.Trim();
            if (label.Length > 0 && !labels.Contains(label))
            {
                labels.Add(label);
            }
        }
        return labels;
    }

    // A malformed warnings header must not fail the call that carried it: keep it as one warning.
    private static IReadOnlyList<string> ParseWarnings(string? json)
    {
        if (json is null)
        {
            return Array.Empty<string>();
        }
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                return new[] { json };
            }
            var warnings = new List<string>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    warnings.Add(reader.GetString()!);
                }
                else
                {
                    reader.Skip();
                }
            }
            return warnings;
        }
        catch (JsonException)
        {
            return new[] { json };
        }
    }
}
