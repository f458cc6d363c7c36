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

    /// <param name="settings">The client's settings, for naming what to check.</param>
    /// <param name="request">The request that was answered, named in the message.</param>
    /// <param name="response">A buffered error response.</param>
    /// <param name="redact">Removes the keys of this call from text before it goes into the message.</param>
    public static TokenlayException FromResponse(TokenlaySettings settings, PipelineRequest request, PipelineResponse response, Func<string, string> redact)
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
            CreditAccount = body.CreditAccount,
            CreditsAvailable = body.CreditsAvailable,
            CreditsRequired = body.CreditsRequired,
            BlockSubject = body.BlockSubject,
            BlockReason = body.BlockReason,
            BlockUntil = body.BlockUntil,
        };

        int status = response.Status;
        // The error code decides first: a blocklist refusal and a credit refusal carry
        // x-tokenlay-rule-action: block too, but they are not a limit and say other things.
        Refusal refusal = ClassifyRefusal(status, body);
        bool blocked = refusal == Refusal.None
            && (string.Equals(ruleAction, "block", StringComparison.OrdinalIgnoreCase) || body.SaysBlocked);
        bool fromTokenlay = TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.RequestId) is not null
            || TokenlayResponseInfo.Text(headers, TokenlayHeaderNames.ErrorSource) is not null;
        string message = redact(BuildMessage(settings, request, response, body, details, blocked, fromTokenlay, refusal));

        if (refusal == Refusal.SubjectBlocked)
        {
            return new TokenlayBlockedException(message, response, null, details);
        }
        if (refusal == Refusal.Credits)
        {
            return new TokenlayInsufficientCreditsException(message, response, null, details);
        }
        if (blocked)
        {
            return new TokenlayLimitExceededException(message, response, null, details);
        }
        if (status == 429)
        {
            // A provider's rate limit or quota is still a rate limit; ErrorSource tells whose.
            return new TokenlayRateLimitException(message, response, null, details);
        }
        if (details.Source == TokenlayErrorSource.Provider)
        {
            return new TokenlayProviderException(message, response, null, details);
        }
        if (status == 403 && details.Code is TokenlayErrorCodes.KeyNotConnected or TokenlayErrorCodes.KeyRevoked)
        {
            return new TokenlayKeyNotConnectedException(message, response, null, details);
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
        // A value that is not a finite, non-negative wait TimeSpan can hold (1e20, Infinity, NaN, -5)
        // is unusable: it is treated as absent, so the caller's own back-off applies instead.
        if (retryAfterMilliseconds is not null
            && double.TryParse(retryAfterMilliseconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double millis)
            && TokenlayNumbers.ToTimeSpan(millis, TimeSpan.TicksPerMillisecond) is { } fromMilliseconds)
        {
            return fromMilliseconds;
        }
        if (string.IsNullOrWhiteSpace(retryAfter))
        {
            return null;
        }
        string value = retryAfter!.Trim();
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
        {
            return TokenlayNumbers.ToTimeSpan(seconds, TimeSpan.TicksPerSecond);
        }
        if (DateTimeOffset.TryParseExact(value, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset at))
        {
            TimeSpan wait = at - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }

    private enum Refusal
    {
        None,
        SubjectBlocked,
        Credits,
    }

    private static Refusal ClassifyRefusal(int status, ParsedBody body)
    {
        if (string.Equals(body.Code, TokenlayBlockedException.SubjectBlockedCode, StringComparison.OrdinalIgnoreCase)
            || (status == 403 && body.BlockSubject is not null))
        {
            return Refusal.SubjectBlocked;
        }
        if (string.Equals(body.Code, TokenlayInsufficientCreditsException.InsufficientCreditsCode, StringComparison.OrdinalIgnoreCase)
            || string.Equals(body.Code, TokenlayInsufficientCreditsException.UnpricedModelCode, StringComparison.OrdinalIgnoreCase)
            || (status == 402 && (body.CreditAccount is not null || string.Equals(body.Type, TokenlayErrorCodes.InsufficientCreditsType, StringComparison.OrdinalIgnoreCase))))
        {
            return Refusal.Credits;
        }
        return Refusal.None;
    }

    private static TokenlayErrorSource ParseSource(string? text) => text?.ToLowerInvariant() switch
    {
        "tokenlay" => TokenlayErrorSource.Tokenlay,
        "provider" => TokenlayErrorSource.Provider,
        _ => TokenlayErrorSource.Unknown,
    };

    private static string BuildMessage(TokenlaySettings settings, PipelineRequest request, PipelineResponse response, ParsedBody body,
        TokenlayErrorDetails details, bool blocked, bool fromTokenlay, Refusal refusal)
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
        text.Append(") from ").Append(request.Method).Append(' ').Append(request.Uri?.AbsoluteUri);

        string? hint = refusal switch
        {
            Refusal.SubjectBlocked => $"'{details.BlockSubject}' is on the Tokenlay blocklist" + (details.BlockUntil is { } until ? $" until {until:u}" : " until removed") + "; it was not retried.",
            Refusal.Credits => "The credit account cannot pay for this call; grant credits (TokenlayClient.Credits.GrantAsync) or ask for less. It was not retried.",
            _ => Hint(settings, response.Status, details, blocked, fromTokenlay),
        };
        if (hint is not null)
        {
            text.Append(". ").Append(hint);
        }
        return text.ToString();
    }

    private static string? Hint(TokenlaySettings settings, int status, TokenlayErrorDetails details, bool blocked, bool fromTokenlay)
    {
        if (blocked)
        {
            return "A Tokenlay smart rule blocked this call; it was not retried.";
        }
        return (status, details.Source) switch
        {
            (401, TokenlayErrorSource.Provider) => $"Check the provider key ({settings.Names.ProviderApiKey}).",
            (401, _) => $"Check the Tokenlay key ({settings.Names.TokenlayKey}).",
            // A route the proxy does not have, under a base URL with a path: most likely the path is wrong.
            (404, not TokenlayErrorSource.Provider) when settings.BaseUrl.AbsolutePath != "/" && details.Code != "model_not_found" =>
                $"{settings.Names.TokenlayBaseUrl} is {settings.BaseUrl}, with a path: the SDK adds /v1/... to it, so check that it is the proxy's root.",
            // An answer with no Tokenlay header at all most likely came from something else at that address.
            _ when !fromTokenlay => $"The answer carries no x-tokenlay-* header, so it may not come from a Tokenlay proxy: check that {settings.Names.TokenlayBaseUrl} ({settings.BaseUrl}) points at Tokenlay.",
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

    /// <summary>
    /// Whether an error body says a Tokenlay rule blocked the call (<c>type: limit_exceeded</c> or a
    /// <c>tokenlay.limit</c>), for retry layers that see a block without its header.
    /// </summary>
    internal static bool BodySaysBlocked(ReadOnlyMemory<byte> content) => ParseContent(content).SaysBlocked;

    private sealed class ParsedBody
    {
        public bool SaysBlocked => string.Equals(Type, TokenlayErrorCodes.LimitExceededType, StringComparison.OrdinalIgnoreCase) || Limit is not null;

        public string? Message;
        public string? Type;
        public string? Code;
        public string? Param;
        public string? RuleId;
        public TokenlayLimit? Limit;
        public string? Excerpt;
        public string? CreditAccount;
        public decimal? CreditsAvailable;
        public decimal? CreditsRequired;
        public string? BlockSubject;
        public string? BlockReason;
        public DateTimeOffset? BlockUntil;
    }

    private static ParsedBody ParseBody(PipelineResponse response)
    {
        try
        {
            return ParseContent(response.Content.ToMemory());
        }
        catch (InvalidOperationException)
        {
            return new ParsedBody(); // not buffered: nothing to read without blocking the caller
        }
    }

    private static ParsedBody ParseContent(ReadOnlyMemory<byte> content)
    {
        var parsed = new ParsedBody();
        if (content.IsEmpty)
        {
            return parsed;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(content);
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
                                TokenlayLimitType.FromWire(AsText(limit, "type")), TokenlayLimitWindow.FromWire(AsText(limit, "window")), AsText(limit, "per"),
                                AsDecimal(limit, "current"), AsDecimal(limit, "max"), AsDate(limit, "resets_at"), AsBool(limit, "rolling"));
                        }
                        if (tokenlay.TryGetProperty("credits", out JsonElement credits) && credits.ValueKind == JsonValueKind.Object)
                        {
                            parsed.CreditAccount = AsText(credits, "account");
                            parsed.CreditsAvailable = AsDecimal(credits, "available");
                            parsed.CreditsRequired = AsDecimal(credits, "required");
                        }
                        if (tokenlay.TryGetProperty("block", out JsonElement block) && block.ValueKind == JsonValueKind.Object)
                        {
                            parsed.BlockSubject = AsText(block, "subject");
                            parsed.BlockReason = AsText(block, "reason");
                            parsed.BlockUntil = AsDate(block, "until");
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
            parsed.Excerpt = Excerpt(Encoding.UTF8.GetString(content.ToArray()));
        }
        catch (JsonException)
        {
            parsed.Excerpt = Excerpt(Encoding.UTF8.GetString(content.ToArray()));
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

    private static bool? AsBool(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

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
