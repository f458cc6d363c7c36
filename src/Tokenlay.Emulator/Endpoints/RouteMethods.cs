using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;

namespace Tokenlay.Emulator.Endpoints;

/// <summary>
/// Which methods the emulator's routes allow on a path, so that a wrong method on a known path
/// gets 405 with an <c>Allow</c> header, as the provider answers, instead of the fallback's 404.
/// </summary>
internal static class RouteMethods
{
    public static IReadOnlyList<string> Allowed(WebApplication app, PathString path)
    {
        var methods = new SortedSet<string>(StringComparer.Ordinal);
        foreach (RouteEndpoint endpoint in app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is not { } metadata || endpoint.RoutePattern.RawText is null or "{*path:nonfile}")
            {
                continue;
            }
            var matcher = new TemplateMatcher(TemplateParser.Parse(endpoint.RoutePattern.RawText.TrimStart('/')), new RouteValueDictionary());
            if (matcher.TryMatch(path, new RouteValueDictionary()))
            {
                methods.UnionWith(metadata.HttpMethods);
            }
        }
        return methods.ToArray();
    }

    public static IResult NotAllowed(HttpContext http, IReadOnlyList<string> allowed)
    {
        http.Response.Headers.Allow = string.Join(", ", allowed);
        return CompanionEndpoints.Error(405, $"{http.Request.Method} is not allowed on {http.Request.Path}; use {string.Join(" or ", allowed)}.", "invalid_request_error", "method_not_allowed");
    }
}
