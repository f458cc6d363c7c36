using System;
using System.Collections.Generic;
using System.Text;

namespace Tokenlay;

/// <summary>
/// Attribution and keys for the calls made inside a <see cref="TokenlayScope"/> or with a
/// <see cref="System.ClientModel.Primitives.RequestOptions"/> it was added to. Unset properties
/// inherit from the enclosing scope and then from <see cref="TokenlayOptions"/>, key by key.
/// </summary>
public class TokenlayRequestContext
{
    /// <summary>The end user the call is made for; sent as <c>x-tokenlay-user</c>.</summary>
    public string? User { get; set; }

    /// <summary>The organisation or tenant; sent as <c>x-tokenlay-org</c>.</summary>
    public string? Org { get; set; }

    /// <summary>The pricing plan, for plan-based limits; sent as <c>x-tokenlay-plan</c>.</summary>
    public string? Plan { get; set; }

    /// <summary>The project; sent as <c>x-tokenlay-project</c>.</summary>
    public string? Project { get; set; }

    /// <summary>The product feature; sent as <c>x-tokenlay-feature</c>.</summary>
    public string? Feature { get; set; }

    /// <summary>Further metadata, sent as <c>x-tokenlay-{name}</c>. Named properties win over entries here.</summary>
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Headers sent verbatim.</summary>
    public IDictionary<string, string> ExtraHeaders { get; set; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>A provider key for these calls only (a customer's own key). To leave the key with Tokenlay, connect it and set <see cref="KeyRef"/> instead.</summary>
    public string? ProviderApiKey { get; set; }

    /// <summary>
    /// The customer whose connected key (<see cref="Companion.TokenlayKeysClient.ConnectAsync(TokenlayKeyConnection, System.Threading.CancellationToken)"/>) these calls use,
    /// sent as <c>x-tokenlay-key-ref</c>: Tokenlay sends them to that key's provider and base with that key,
    /// and no provider key is sent. It takes the place of a <see cref="ProviderApiKey"/> and <see cref="ProviderApiBase"/>
    /// set further out (client defaults, outer scopes), and a <see cref="ProviderApiKey"/> set further in takes its place;
    /// setting both on one context is an <see cref="ArgumentException"/>. An unknown or revoked customer is a
    /// <see cref="TokenlayKeyNotConnectedException"/>.
    /// </summary>
    public string? KeyRef { get; set; }

    /// <summary>
    /// Which of the <see cref="KeyRef"/> customer's keys to use when it has keys for several providers, sent as
    /// <c>x-tokenlay-key-provider</c>; not needed with one key.
    /// </summary>
    public TokenlayKeyProvider? KeyProvider { get; set; }

    /// <summary>A provider base URL for these calls only (absolute http or https).</summary>
    public Uri? ProviderApiBase { get; set; }

    /// <summary>
    /// The reservation (<see cref="TokenlayReservation.Id"/>) the calls of this context draw on, sent as
    /// <c>x-tokenlay-reservation</c>: they are admitted against its hold rather than the remaining headroom.
    /// </summary>
    public string? ReservationId { get; set; }

    /// <summary>
    /// Called with what Tokenlay reported for each call made in this context, in addition to
    /// <see cref="TokenlayOptions.OnResponse"/>; with nested scopes every scope's callback runs,
    /// innermost first. This is how a streaming call's request id and rule action are read.
    /// </summary>
    public Action<TokenlayResponseInfo>? OnResponse { get; set; }

    /// <summary>Describes the context with the provider key redacted.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("TokenlayRequestContext { ");
        text.Append("User = ").Append(User);
        text.Append(", Org = ").Append(Org);
        text.Append(", Plan = ").Append(Plan);
        text.Append(", Project = ").Append(Project);
        text.Append(", Feature = ").Append(Feature);
        text.Append(", Metadata = [").Append(string.Join(", ", Metadata?.Keys ?? Array.Empty<string>())).Append(']');
        text.Append(", ExtraHeaders = [").Append(string.Join(", ", ExtraHeaders?.Keys ?? Array.Empty<string>())).Append(']');
        text.Append(", ProviderApiKey = ").Append(TokenlayOptions.Redact(ProviderApiKey));
        text.Append(", ProviderApiBase = ").Append(ProviderApiBase);
        if (KeyRef is not null)
        {
            text.Append(", KeyRef = ").Append(KeyRef);
        }
        if (KeyProvider is not null)
        {
            text.Append(", KeyProvider = ").Append(KeyProvider);
        }
        if (ReservationId is not null)
        {
            text.Append(", ReservationId = ").Append(ReservationId);
        }
        return text.Append(" }").ToString();
    }
}
