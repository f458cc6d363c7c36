using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// One span per HTTP attempt on the <c>Tokenlay.Sdk</c> ActivitySource, a child of whatever
/// activity is current, carrying the GenAI semantic-convention attributes and Tokenlay's own. It
/// never writes onto the caller's activity, so two calls inside one parent span each keep theirs.
/// </summary>
/// <remarks>
/// The plain client opens the span in a per-try pipeline policy. A hosted client retries inside
/// its HttpClient (the resilience handler), so there the span is opened by a handler inside the
/// retry loop, reading what the policy learnt of the call from <see cref="Current"/>.
/// </remarks>
internal static class TokenlayAttemptSpan
{
    private static readonly AsyncLocal<CallDescription?> s_current = new();

    /// <summary>What the pipeline knows of the call in flight, for the hosted handler.</summary>
    internal static CallDescription? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    internal sealed class CallDescription
    {
        public CallDescription(string operation, string? model)
        {
            Operation = operation;
            Model = model;
        }

        public string Operation { get; }

        public string? Model { get; }

        private int _attempts;

        public int NextAttempt() => Interlocked.Increment(ref _attempts);
    }

    public static bool Listening => TokenlayTelemetry.Source.HasListeners();

    /// <summary>Describes a call from its request: the GenAI operation and the requested model.</summary>
    public static CallDescription Describe(Uri? uri, Func<Stream?, bool> writeBody)
    {
        string operation = TokenlayTelemetry.Operation(uri);
        string? model = null;
        using var body = new MemoryStream();
        if (writeBody(body) && body.Length > 0)
        {
            model = ModelOf(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        return new CallDescription(operation, model);
    }

    public static Activity? Start(CallDescription call, int attempt, string? method, Uri? uri)
    {
        Activity? activity = TokenlayTelemetry.Source.StartActivity(
            call.Model is null ? call.Operation : call.Operation + " " + call.Model, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("gen_ai.operation.name", call.Operation);
            activity.SetTag("gen_ai.request.model", call.Model);
            activity.SetTag("tokenlay.attempt", attempt);
            activity.SetTag("http.request.method", method);
            activity.SetTag("server.address", uri?.Host);
            activity.SetTag("server.port", uri?.Port);
        }
        return activity;
    }

    public static void Finish(Activity? activity, int status, Func<string, string?> header)
    {
        if (activity is not { IsAllDataRequested: true })
        {
            activity?.Dispose();
            return;
        }
        TokenlayResponseInfo info = TokenlayResponseInfo.FromHeaders(status, header);
        activity.SetTag("http.response.status_code", status);
        activity.SetTag("tokenlay.request_id", info.RequestId);
        activity.SetTag("tokenlay.rule_id", info.RuleId);
        activity.SetTag("tokenlay.rule_action", info.RuleAction?.ToString());
        activity.SetTag("tokenlay.cost_usd", info.CostUsd is { } cost ? (double)cost : null);
        activity.SetTag("gen_ai.response.model", info.Model);
        activity.SetTag("gen_ai.usage.input_tokens", info.InputTokens);
        activity.SetTag("gen_ai.usage.output_tokens", info.OutputTokens);
        if (status >= 400)
        {
            activity.SetTag("error.type", status.ToString(CultureInfo.InvariantCulture));
            activity.SetStatus(ActivityStatusCode.Error);
        }
        activity.Dispose();
    }

    public static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetTag("error.type", exception.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity.Dispose();
    }

    // Only the top-level "model" is read, and only while someone records spans.
    private static string? ModelOf(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isModel = reader.ValueTextEquals("model");
                reader.Read();
                if (isModel)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
