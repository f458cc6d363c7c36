using System;

namespace Tokenlay.Companion;

/// <summary>Filters for <see cref="TokenlayUsageClient.GetAsync"/>; unset filters match everything.</summary>
public sealed class TokenlayUsageQuery
{
    /// <summary>Only this user.</summary>
    public string? User { get; set; }

    /// <summary>Only this organisation.</summary>
    public string? Org { get; set; }

    /// <summary>Only this project.</summary>
    public string? Project { get; set; }

    /// <summary>Only this feature.</summary>
    public string? Feature { get; set; }

    /// <summary>Only this model (the one that served the call).</summary>
    public string? Model { get; set; }

    /// <summary>Only calls made with this customer's connected key (<see cref="TokenlayRequestContext.KeyRef"/>).</summary>
    public string? KeyRef { get; set; }

    /// <summary>Calls at or after this time.</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Calls before this time.</summary>
    public DateTimeOffset? Until { get; set; }
}

/// <summary>Filters for <see cref="TokenlayLogsClient.ListAsync"/>; unset filters match everything.</summary>
public sealed class TokenlayLogQuery
{
    /// <summary>Only this user.</summary>
    public string? User { get; set; }

    /// <summary>Only this organisation.</summary>
    public string? Org { get; set; }

    /// <summary>Only this feature.</summary>
    public string? Feature { get; set; }

    /// <summary>Only this model (the one that served the call).</summary>
    public string? Model { get; set; }

    /// <summary>Only calls made with this customer's connected key (<see cref="TokenlayRequestContext.KeyRef"/>).</summary>
    public string? KeyRef { get; set; }

    /// <summary>Only successful (true) or failed (false) calls. Not an export filter: an export has every call, with its status.</summary>
    public bool? Success { get; set; }

    /// <summary>Only calls with this intent label (in <see cref="TokenlayLogEntry.Labels"/>).</summary>
    public TokenlayLabel? Label { get; set; }

    /// <summary>Calls at or after this time.</summary>
    public DateTimeOffset? Since { get; set; }

    /// <summary>Calls before this time.</summary>
    public DateTimeOffset? Until { get; set; }

    /// <summary>Entries per page, 1 to 1000; the server's default (50) when null. An export is not paged.</summary>
    public int? PageSize { get; set; }
}
