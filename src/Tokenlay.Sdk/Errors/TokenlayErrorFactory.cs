using System;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>Turns an error response into the matching typed <see cref="TokenlayException"/>.</summary>
internal static class TokenlayErrorFactory
{
    private const int ExcerptLength = 200;

    /// <param name="response">A buffered error response.</param>
    /// <param name="redact">Removes the keys of this call from text before it goes into the message.</param>
    public static TokenlayException FromResponse(PipelineResponse response, Func<string, string> redact)
    {
        ParsedBody body = ParseBody(response);
        PipelineResponseHeaders headers = response.Headers;
        string? ruleAction = TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.RuleAction);
        var details = new TokenlayErrorDetails
        {
            Type = body.Type,
            Code = body.Code,
            Param = body.Param,
            RequestId = TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.RequestId),
            RetryAfter = ReadRetryAfter(headers),
            Source = ParseSource(TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.ErrorSource)),
            RuleId = body.RuleId ?? TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.RuleId),
            Limit = body.Limit,
        };

        bool blocked = string.Equals(ruleAction, "block", StringComparison.OrdinalIgnoreCase)
            || string.Equals(body.Type, "limit_exceeded", StringComparison.OrdinalIgnoreCase)
            || body.Limit is not null;
        int status = response.Status;
        string message = redact(BuildMessage(response, body, details, blocked));

        if (blocked)
        {
            return new TokenlayLimitExceededException(message, response, null, details);
        }
        if (details.Source == TokenlayErrorSource.Provider)
        {
            return new TokenlayProviderException(message, response, null, details);
        }
        return status switch
        {
            400 or 422 => new TokenlayValidationException(message, response, null, details),
            401 => new TokenlayAuthenticationException(message, response, null, details),
            403 => new TokenlayPermissionDeniedException(message, response, null, details),
            404 => new TokenlayNotFoundException(message, response, null, details),
            409 => new TokenlayConflictException(message, response, null, details),
            429 => new TokenlayRateLimitException(message, response, null, details),
            >= 500 => new TokenlayServerException(message, response, null, details),
            _ => new TokenlayException(message, response, null, details),
        };
    }

    /// <summary>Reads <c>Retry-After</c> (seconds or an HTTP date) or OpenAI's <c>retry-after-ms</c>.</summary>
    internal static TimeSpan? ReadRetryAfter(PipelineResponseHeaders headers)
    {
        headers.TryGetValue("retry-after-ms", out string? milliseconds);
        headers.TryGetValue(TokenlayHeaderNames.RetryAfter, out string? retryAfter);
        return ParseRetryAfter(retryAfter, milliseconds);
    }

    /// <summary>
    /// The one parser of the wait a server asks for, shared by the pipeline's retry policy and the
    /// hosted Polly layer so both retry layers read it alike.
    /// </summary>
    internal static TimeSpan? ParseRetryAfter(string? retryAfter, string? retryAfterMilliseconds)
    {
        if (retryAfterMilliseconds is not null
            && double.TryParse(retryAfterMilliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double millis) && millis >= 0)
        {
            return TimeSpan.FromMilliseconds(millis);
        }
        if (string.IsNullOrWhiteSpace(retryAfter))
        {
            return null;
        }
        string value = retryAfter!.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return seconds >= 0 ? TimeSpan.FromSeconds(seconds) : null;
        }
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
        {
            TimeSpan wait = at - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private static TokenlayErrorSource ParseSource(string? text) => text?.ToLowerInvariant() switch
    {
        "tokenlay" => TokenlayErrorSource.Tokenlay,
        "provider" => TokenlayErrorSource.Provider,
        _ => TokenlayErrorSource.Unknown,
    };

    private static string BuildMessage(PipelineResponse response, ParsedBody body, TokenlayErrorDetails details, bool blocked)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrWhiteSpace(body.Message))
        {
            text.Append(body.Message!.Trim());
        }
        else if (body.Excerpt is not null)
        {
            text.Append("The server answered with a body that is not a JSON error: \"").Append(body.Excerpt).Append('"');
        }
        else
        {
            text.Append("The server answered with an empty error body.");
        }

        text.Append(" (HTTP ").Append(response.Status.ToString(CultureInfo.InvariantCulture));
        if (!string.IsNullOrEmpty(response.ReasonPhrase))
        {
            text.Append(' ').Append(response.ReasonPhrase);
        }
        AppendPart(text, "type", details.Type);
        AppendPart(text, "code", details.Code);
        AppendPart(text, "param", details.Param);
        AppendPart(text, "rule", blocked ? details.RuleId : null);
        AppendPart(text, "source", details.Source == TokenlayErrorSource.Unknown ? null : details.Source.ToString().ToLowerInvariant());
        AppendPart(text, "request id", details.RequestId);
        if (details.RetryAfter is { } wait)
        {
            AppendPart(text, "retry after", wait.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s");
        }
        text.Append(')');

        string? hint = Hint(response.Status, details, blocked);
        if (hint is not null)
        {
            text.Append(". ").Append(hint);
        }
        return text.ToString();
    }

    private static string? Hint(int status, TokenlayErrorDetails details, bool blocked)
    {
        if (blocked)
        {
            return "A Tokenlay smart rule blocked this call; it was not retried.";
        }
        return (status, details.Source) switch
        {
            (401, TokenlayErrorSource.Provider) => "Check the provider key (TokenlayOptions.ProviderApiKey or PROVIDER_API_KEY).",
            (401, _) => "Check the Tokenlay key (TokenlayOptions.TokenlayKey or TOKENLAY_KEY).",
            _ => null,
        };
    }

    private static void AppendPart(StringBuilder text, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            text.Append("; ").Append(name).Append(": ").Append(value);
        }
    }

    private sealed class ParsedBody
    {
        public string? Message;
        public string? Type;
        public string? Code;
        public string? Param;
        public string? RuleId;
        public TokenlayLimit? Limit;
        public string? Excerpt;
    }

    private static ParsedBody ParseBody(PipelineResponse response)
    {
        var parsed = new ParsedBody();
        BinaryData content;
        try
        {
            content = response.Content;
        }
        catch (InvalidOperationException)
        {
            return parsed; // not buffered: nothing to read without blocking the caller
        }
        if (content.ToMemory().IsEmpty)
        {
            return parsed;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(content.ToMemory());
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out JsonElement error))
            {
                if (error.ValueKind == JsonValueKind.String)
                {
                    parsed.Message = error.GetString(); // some gateways send {"error": "text"}
                    return parsed;
                }
                if (error.ValueKind == JsonValueKind.Object)
                {
                    parsed.Message = AsText(error, "message");
                    parsed.Type = AsText(error, "type");
                    parsed.Code = AsText(error, "code");
                    parsed.Param = AsText(error, "param");
                    if (error.TryGetProperty("tokenlay", out JsonElement tokenlay) && tokenlay.ValueKind == JsonValueKind.Object)
                    {
                        parsed.RuleId = AsText(tokenlay, "rule_id");
                        if (tokenlay.TryGetProperty("limit", out JsonElement limit) && limit.ValueKind == JsonValueKind.Object)
                        {
                            parsed.Limit = new TokenlayLimit(
                                AsText(limit, "type"), AsText(limit, "window"), AsText(limit, "per"),
                                AsDecimal(limit, "current"), AsDecimal(limit, "max"), AsDate(limit, "resets_at"));
                        }
                    }
                    return parsed;
                }
            }
            if (document.RootElement.ValueKind == JsonValueKind.Object && AsText(document.RootElement, "message") is { } message)
            {
                parsed.Message = message;
                return parsed;
            }
            parsed.Excerpt = Excerpt(content.ToString());
        }
        catch (JsonException)
        {
            parsed.Excerpt = Excerpt(content.ToString());
        }
        return parsed;
    }

    private static readonly Regex s_tags = new("<[^>]*>", RegexOptions.CultureInvariant | RegexOptions.Compiled);
    private static readonly Regex s_space = new(@"\s+", RegexOptions.CultureInvariant | RegexOptions.Compiled);

    // An HTML error page from a load balancer: keep its words, not its markup, and only a few.
    private static string Excerpt(string body)
    {
        string text = s_space.Replace(s_tags.Replace(body, " "), " ").Trim();
        return text.Length <= ExcerptLength ? text : text.Substring(0, ExcerptLength) + "…";
    }

    private static string? AsText(JsonElement element, string name)
    {
        if (!element.TryGetProperty(name, out JsonElement value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => null,
        };
    }

    private static decimal? AsDecimal(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out decimal number)
            ? number
            : null;

    private static DateTimeOffset? AsDate(JsonElement element, string name) =>
        AsText(element, name) is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset at)
            ? at
            : null;
}
