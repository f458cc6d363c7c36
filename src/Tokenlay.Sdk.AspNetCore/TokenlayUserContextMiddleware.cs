using System.Security.Claims;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Tokenlay.AspNetCore;

/// <summary>
/// Opens a <see cref="TokenlayScope"/> for each request from the authenticated user, so every
/// Tokenlay-routed call made while handling it is attributed, even deep inside other libraries.
/// Anonymous requests pass through with no user.
/// </summary>
internal sealed class TokenlayUserContextMiddleware
{
    private readonly RequestDelegate _next;
    private readonly TokenlayUserContextOptions _options;

    public TokenlayUserContextMiddleware(RequestDelegate next, IOptions<TokenlayUserContextOptions> options)
    {
        _next = next;
        _options = options.Value;
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
                userId = user.FindFirst(claim)?.Value;
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

    private static string? Claim(ClaimsPrincipal user, string? type) =>
        type is null || user.Identity?.IsAuthenticated != true ? null : user.FindFirst(type)?.Value;
}
