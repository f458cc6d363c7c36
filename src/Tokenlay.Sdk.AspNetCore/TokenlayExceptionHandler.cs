using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Tokenlay.AspNetCore;

/// <summary>
/// Turns the Tokenlay failures an endpoint cannot do anything about into answers a client can act
/// on: a rule block becomes 429 with <c>Retry-After</c> and the rule and limit in a problem+json
/// body; Tokenlay being unreachable, slow or failing (connection, timeout, open circuit, 5xx) becomes
/// 503. Every other exception is left to the next handler. Bodies carry what the SDK parsed (rule id,
/// limit, error code, request id), never an exception message, URL or key.
/// </summary>
internal sealed class TokenlayExceptionHandler : IExceptionHandler
{
    private readonly IProblemDetailsService? _problemDetails;

    public TokenlayExceptionHandler(IServiceProvider services)
    {
        _problemDetails = services.GetService<IProblemDetailsService>();
    }

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted || Find(exception) is not { } tokenlay)
        {
            return false;
        }
        ProblemDetails problem;
        TimeSpan? retryAfter = tokenlay.RetryAfter;
        if (tokenlay is TokenlayLimitExceededException blocked)
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Usage limit reached",
                Detail = blocked.Limit is { } limit ? "A usage limit was reached: " + limit + "." : "A usage limit was reached.",
                Type = "https://tokenlay.com/docs/errors#limit_exceeded",
            };
            problem.Extensions["ruleId"] = blocked.RuleId;
            if (blocked.Limit is { } reached)
            {
                problem.Extensions["limit"] = LimitJson(reached);
            }
        }
        else if (tokenlay is TokenlayConnectionException or TokenlayTimeoutException or TokenlayCircuitOpenException or TokenlayServerException)
        {
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "AI service unavailable",
                Detail = "The AI service could not be reached or failed; try again later.",
                Type = "https://tokenlay.com/docs/errors#unavailable",
            };
        }
        else
        {
            return false;
        }
        if (tokenlay.ErrorCode is { } code)
        {
            problem.Extensions["errorCode"] = code;
        }
        if (tokenlay.RequestId is { } requestId)
        {
            problem.Extensions["requestId"] = requestId;
        }

        httpContext.Response.Clear();
        httpContext.Response.StatusCode = problem.Status!.Value;
        if (retryAfter is { } wait && wait >= TimeSpan.Zero)
        {
            httpContext.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }
        if (_problemDetails is not null
            && await _problemDetails.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false))
        {
            return true;
        }
        await WriteAsync(httpContext, problem, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // The SDK's exception itself, or one wrapped by the app (an AggregateException, a rethrow with a cause).
    private static TokenlayException? Find(Exception? exception)
    {
        for (int depth = 0; exception is not null && depth < 8; depth++)
        {
            if (exception is TokenlayException tokenlay)
            {
                return tokenlay;
            }
            exception = exception is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : exception.InnerException;
        }
        return null;
    }

    // A JsonElement, so that the problem details writer (source-generated under AOT) can write it.
    private static JsonElement LimitJson(TokenlayLimit limit)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteString(json, "type", limit.Type?.ToString());
            WriteString(json, "window", limit.Window?.ToString());
            WriteString(json, "per", limit.Per);
            if (limit.Current is { } current)
            {
                json.WriteNumber("current", current);
            }
            if (limit.Max is { } max)
            {
                json.WriteNumber("max", max);
            }
            if (limit.ResetsAt is { } resetsAt)
            {
                json.WriteString("resetsAt", resetsAt.ToUniversalTime());
            }
            json.WriteEndObject();
        }
        using JsonDocument document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private static void WriteString(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    // Without AddProblemDetails(): the same body, written directly.
    private static async Task WriteAsync(HttpContext httpContext, ProblemDetails problem, CancellationToken cancellationToken)
    {
        httpContext.Response.ContentType = "application/problem+json";
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteString(json, "type", problem.Type);
            WriteString(json, "title", problem.Title);
            json.WriteNumber("status", problem.Status!.Value);
            WriteString(json, "detail", problem.Detail);
            foreach (var (name, value) in problem.Extensions)
            {
                switch (value)
                {
                    case string text:
                        json.WriteString(name, text);
                        break;
                    case JsonElement element:
                        json.WritePropertyName(name);
                        element.WriteTo(json);
                        break;
                    case null:
                        json.WriteNull(name);
                        break;
                }
            }
            json.WriteEndObject();
        }
        await httpContext.Response.Body.WriteAsync(buffer.ToArray(), cancellationToken).ConfigureAwait(false);
    }
}
