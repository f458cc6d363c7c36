using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Tokenlay.Emulator.Budget;
using Tokenlay.Emulator.Rules;
using Tokenlay.Emulator.Webhooks;

namespace Tokenlay.Emulator.Dashboard;

/// <summary>
/// The dashboard: a static page (no secrets in it; the key reaches it in the URL fragment) and the
/// two APIs it needs beyond usage, logs and pricing. The page may load and call nothing but this
/// emulator: its Content-Security-Policy says so to the browser.
/// </summary>
internal static class DashboardEndpoints
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, (string File, string ContentType)> s_files = new(StringComparer.Ordinal)
    {
        ["/dashboard"] = ("index.html", "text/html; charset=utf-8"),
        ["/dashboard/app.js"] = ("app.js", "text/javascript; charset=utf-8"),
        ["/dashboard/app.css"] = ("app.css", "text/css; charset=utf-8"),
    };

    public static void Map(IEndpointRouteBuilder app, IReadOnlyList<Rule> rules, Ledger ledger, WebhookNotifier webhooks)
    {
        foreach ((string path, (string file, string contentType)) in s_files)
        {
            byte[] content = Read(file);
            app.MapGet(path, (HttpContext http) =>
            {
                http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                http.Response.Headers.CacheControl = "no-store";
                http.Response.Headers["Referrer-Policy"] = "no-referrer";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(content, contentType);
            }).ExcludeFromDescription();
        }
        app.MapGet("/v1/rules/status", () => Results.Json(new { data = ledger.Status(rules, top: 5) }, EmulatorJson.Options))
            .WithSummary("Each rule with its limits and, per limit, the five keys (users, orgs…) closest to it in the current window.")
            .Produces<RuleStatusPage>();
        app.MapGet("/v1/webhooks/deliveries", () => Results.Json(new { data = webhooks.RecentDeliveries() }, EmulatorJson.Options))
            .WithSummary($"The last {WebhookNotifier.DeliveriesKept} webhook deliveries, newest first, with their outcome.")
            .Produces<WebhookDeliveryPage>();
    }

    private static byte[] Read(string file)
    {
        using Stream stream = typeof(DashboardEndpoints).Assembly.GetManifestResourceStream("dashboard/" + file)
            ?? throw new InvalidOperationException($"The dashboard file {file} is not embedded in the emulator.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>The answer of <c>GET /v1/rules/status</c>.</summary>
public sealed record RuleStatusPage(IReadOnlyList<RuleStatus> Data);

/// <summary>The answer of <c>GET /v1/webhooks/deliveries</c>.</summary>
public sealed record WebhookDeliveryPage(IReadOnlyList<WebhookDelivery> Data);
