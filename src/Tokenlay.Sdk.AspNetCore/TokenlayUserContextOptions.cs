using System.Collections.Generic;
using System.Security.Claims;

namespace Tokenlay.AspNetCore;

/// <summary>Which claims of the signed-in user become Tokenlay attribution.</summary>
public sealed class TokenlayUserContextOptions
{
    /// <summary>Claim types tried in order for the user id. Default: <c>sub</c>, <c>oid</c>, then the name identifier.</summary>
    public IList<string> UserClaims { get; } = new List<string> { "sub", "oid", ClaimTypes.NameIdentifier };

    /// <summary>The claim that holds the organisation or tenant, if any (for example <c>org_id</c> or <c>tid</c>).</summary>
    public string? OrgClaim { get; set; }

    /// <summary>The claim that holds the pricing plan, if any.</summary>
    public string? PlanClaim { get; set; }

    /// <summary>The claim that holds the project, if any.</summary>
    public string? ProjectClaim { get; set; }
}
