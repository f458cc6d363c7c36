using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>Writes the JSON bodies of the budget requests (check, record, reserve, commit), without reflection.</summary>
internal static class BudgetRequestWriter
{
    public static byte[] Check(TokenlayCheckRequest request) => Write(w =>
    {
        Subject(w, request);
        if (request.EstimatedInputTokens is not null || request.EstimatedOutputTokens is not null)
        {
            w.WriteStartObject("estimate");
            w.WriteNumber("input_tokens", NonNegative(request.EstimatedInputTokens ?? 0, nameof(request.EstimatedInputTokens)));
            w.WriteNumber("output_tokens", NonNegative(request.EstimatedOutputTokens ?? 0, nameof(request.EstimatedOutputTokens)));
            w.WriteEndObject();
        }
    });

    /// <summary>The record body; its idempotency key is fixed here, so the pipeline's retries resend the same one.</summary>
    public static byte[] Record(TokenlayUsageRecord record) => Write(w =>
    {
        Subject(w, record);
        if (record.Provider is not null)
        {
            w.WriteString("provider", record.Provider);
        }
        w.WriteNumber("input_tokens", record.InputTokens);
        w.WriteNumber("output_tokens", record.OutputTokens);
        if (record.CostUsd is { } cost)
        {
            w.WriteNumber("cost_usd", cost >= 0 ? cost : throw new ArgumentException("CostUsd cannot be negative.", nameof(record)));
        }
        if (record.OccurredAt is { } at)
        {
            w.WriteString("occurred_at", at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
        }
        w.WriteString("idempotency_key", record.IdempotencyKey ?? IdempotencyKeys.Next());
    });

    public static byte[] Reserve(TokenlayReservationRequest request) => Write(w =>
    {
        request.Validate();
        Subject(w, request);
        w.WriteStartObject("estimate");
        if (request.EstimatedInputTokens is not null || request.EstimatedOutputTokens is not null)
        {
            w.WriteNumber("input_tokens", request.EstimatedInputTokens ?? 0);
            w.WriteNumber("output_tokens", request.EstimatedOutputTokens ?? 0);
        }
        if (request.EstimatedCostUsd is { } cost)
        {
            w.WriteNumber("cost_usd", cost);
        }
        w.WriteEndObject();
        if (request.TimeToLive is { } ttl)
        {
            w.WriteNumber("ttl_seconds", (int)Math.Ceiling(ttl.TotalSeconds));
        }
    });

    public static byte[] Commit(long inputTokens, long outputTokens) => Write(w =>
    {
        w.WriteNumber("input_tokens", inputTokens);
        w.WriteNumber("output_tokens", outputTokens);
    });

    private static void Subject(Utf8JsonWriter w, TokenlayUsageSubject subject)
    {
        w.WriteString("model", subject.Model);
        w.WriteStartObject("metadata");
        foreach (KeyValuePair<string, string> field in subject.AllMetadata())
        {
            w.WriteString(field.Key, field.Value);
        }
        w.WriteEndObject();
    }

    private static long NonNegative(long value, string name) =>
        value >= 0 ? value : throw new ArgumentException($"{name} cannot be negative.", name);

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
