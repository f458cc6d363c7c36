using System;
using System.Collections.Concurrent;
using System.Security.Claims;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Tokenlay.AspNetCore;

/// <summary>
/// Opens a <see cref="TokenlayScope"/> for each request from the authenticated user, so every
/// Tokenlay-routed call made while handling it is attributed, even deep inside other libraries.
/// Anonymous requests pass through with no user. Attribution never fails a request: a claim whose
/// value cannot be sent in a header (CR, LF or NUL) is left out, and logged once per claim type.
/// </summary>
internal sealed class TokenlayUserContextMiddleware
{
    private static readonly Action<ILogger, string, Exception?> s_claimSkipped = LoggerMessage.Define<string>(
        LogLevel.Warning, new EventId(10, "TokenlayClaimSkipped"),
        "The claim '{ClaimType}' holds a value that cannot be sent in a header (CR, LF or NUL); Tokenlay calls are sent without it. Logged once per claim type.");

    private readonly RequestDelegate _next;
    private readonly TokenlayUserContextOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _reported = new(StringComparer.Ordinal);

    public TokenlayUserContextMiddleware(RequestDelegate next, IOptions<TokenlayUserContextOptions> options, ILoggerFactory? loggers = null)
    {
        _next = next;
        _options = options.Value;
        _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger("Tokenlay.AspNetCore");
    }

    public async Task InvokeAsync(HttpContext context)
    {
        TokenlayRequestContext? tokenlay = ContextFor(context);
        if (tokenlay is null)
        {
            await _next(context);
            return;
        }
        using (TokenlayScope.Begin(tokenlay))
        {
            await _next(context);
        }
    }

    private TokenlayRequestContext? ContextFor(HttpContext context)
    {
        string? feature = context.GetEndpoint()?.Metadata.GetMetadata<TokenlayFeatureMetadata>()?.Feature;
        ClaimsPrincipal user = context.User;
        string? userId = null;
        if (user.Identity?.IsAuthenticated == true)
        {
            foreach (string claim in _options.UserClaims)
            {
                userId = Claim(user, claim);
                if (!string.IsNullOrEmpty(userId))
                {
                    break;
                }
            }
        }
        if (userId is null && feature is null)
        {
            return null;
        }
        return new TokenlayRequestContext
        {
            User = userId,
            Org = Claim(user, _options.OrgClaim),
            Plan = Claim(user, _options.PlanClaim),
            Project = Claim(user, _options.ProjectClaim),
            Feature = feature,
        };
    }

    private string? Claim(ClaimsPrincipal user, string? type)
    {
        if (type is null || user.Identity?.IsAuthenticated != true || user.FindFirst(type)?.Value is not { } value)
        {
            return null;
        }
        if (value.IndexOfAny(s_unsendable) < 0)
        {
            return value;
        }
        if (_reported.TryAdd(type, true))
        {
            s_claimSkipped(_logger, type, null); // the type only: the value may be personal data
        }
        return null;
    }

    // What TokenlayScope refuses (it would split the header); anything else is sent, percent-encoded if need be.
    private static readonly char[] s_unsendable = { '\r', '\n', '\0' };
}
