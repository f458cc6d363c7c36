using System;
using System.Collections.Generic;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// A <see cref="TokenlayRequestContext"/> read and validated once into its wire form, immutable, for
/// code that enters the same context many times (a chat client's tool loop, a stream that sends a
/// request on each read): <see cref="TokenlayScope.Begin(TokenlayResolvedContext)"/> then costs no
/// parsing or allocation of headers. Its values are not shown by <see cref="ToString"/>.
/// </summary>
/// <remarks>An advanced type: most code passes a <see cref="TokenlayRequestContext"/> to <see cref="TokenlayScope.Begin(TokenlayRequestContext)"/>.</remarks>
public sealed class TokenlayResolvedContext
{
    /// <summary>A context that sets nothing.</summary>
    public static readonly TokenlayResolvedContext Empty = new(Array.Empty<KeyValuePair<string, string>>(), null, null, Array.Empty<Action<TokenlayResponseInfo>>());

    private TokenlayResolvedContext(KeyValuePair<string, string>[] headers, string? providerApiKey, string? providerApiBase, Action<TokenlayResponseInfo>[] callbacks, string? keyRef = null, string? keyProvider = null)
    {
        KeyRef = keyRef;
        KeyProvider = keyProvider;
        Headers = headers;
        ProviderApiKey = providerApiKey;
        ProviderApiBase = providerApiBase;
        Callbacks = callbacks;
    }

    /// <summary>Header name and encoded value; no two names equal ignoring case.</summary>
    internal KeyValuePair<string, string>[] Headers { get; }

    internal string? ProviderApiKey { get; }

    internal string? ProviderApiBase { get; }

    /// <summary>
    /// <c>x-tokenlay-key-ref</c>, encoded. It and <see cref="ProviderApiKey"/> fill one slot, the call's
    /// credential: whichever the innermost layer sets wins, so a scope naming a customer's connected key
    /// is never sent with the client's own provider key (the proxy refuses both at once).
    /// </summary>
    internal string? KeyRef { get; }

    /// <summary><c>x-tokenlay-key-provider</c>: which of the <see cref="KeyRef"/> customer's keys; sent only with a key ref.</summary>
    internal string? KeyProvider { get; }

    /// <summary>Innermost first.</summary>
    internal Action<TokenlayResponseInfo>[] Callbacks { get; }

    internal static TokenlayResolvedContext FromOptions(TokenlayOptions options) =>
        Build(options.Metadata, null, options.ExtraHeaders, options.ProviderApiKey, options.ProviderApiBase ?? TokenlayOptions.DefaultProviderApiBase, null);

    /// <summary>
    /// Header names the SDK itself controls. Metadata or extra headers under these names would let
    /// user-supplied tags redirect the provider base, swap the key or forge an idempotency key.
    /// </summary>
    private static readonly string[] s_reserved =
    {
        TokenlayHeaderNames.ProviderKey,
        TokenlayHeaderNames.ProviderBase,
        TokenlayHeaderNames.IdempotencyKey,
        TokenlayHeaderNames.Reservation,
        TokenlayHeaderNames.KeyRef,
        TokenlayHeaderNames.KeyProvider,
        TokenlayHeaderNames.Key,
        "authorization",
    };

    private static void RefuseReserved(string header, string key, string what)
    {
        foreach (string reserved in s_reserved)
        {
            if (string.Equals(header, reserved, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException(
                    $"The {what} name '{key}' is reserved: it would be sent as the SDK's own '{reserved}' header. " +
                    "Rename the entry; set the provider key and base through the ProviderApiKey and ProviderApiBase settings.", what);
            }
        }
    }

    /// <summary>Refuses a metadata name that would be sent as one of the SDK's own headers, as scopes do; budget request bodies use it too.</summary>
    /// <exception cref="ArgumentException">The name is empty or reserved; the message names it.</exception>
    internal static void RefuseReservedMetadata(string? key)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new ArgumentException("A Metadata name is null or empty; give every entry a name.", "Metadata");
        }
        RefuseReserved(TokenlayHeaderNames.ForMetadata(key!), key!, "Metadata");
    }

    /// <summary>Reads and validates <paramref name="context"/>; later changes to it are not seen.</summary>
    /// <param name="context">The context to resolve.</param>
    /// <returns>The resolved context.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="context"/> is null.</exception>
    /// <exception cref="ArgumentException">A header name or value in the context is invalid or reserved (the message names the key).</exception>
    public static TokenlayResolvedContext FromContext(TokenlayRequestContext context)
    {
        if (context is null)
        {
            throw new ArgumentNullException(nameof(context));
        }
        var named = new List<KeyValuePair<string, string>>(6);
        AddNamed(named, TokenlayHeaderNames.User, "User", context.User);
        AddNamed(named, TokenlayHeaderNames.Org, "Org", context.Org);
        AddNamed(named, TokenlayHeaderNames.Plan, "Plan", context.Plan);
        AddNamed(named, TokenlayHeaderNames.Project, "Project", context.Project);
        AddNamed(named, TokenlayHeaderNames.Feature, "Feature", context.Feature);
        AddNamed(named, TokenlayHeaderNames.Reservation, "ReservationId", context.ReservationId);
        string? keyProvider = context.KeyProvider is { } provider
            ? HeaderRules.EncodeValue("KeyProvider", provider.ToString(), escapePercent: true, "TokenlayRequestContext")
            : null;
        string? keyRef = null;
        if (context.KeyRef is not null)
        {
            if (context.ProviderApiKey is not null)
            {
                throw new ArgumentException(
                    "Set KeyRef (a customer's connected key) or ProviderApiKey (a key sent with each call) on a TokenlayRequestContext, not both.", nameof(context));
            }
            keyRef = HeaderRules.EncodeValue("KeyRef", TokenlayKeyConnection.CheckRefId(context.KeyRef, "KeyRef"), escapePercent: true, "TokenlayRequestContext");
        }
        TokenlayResolvedContext built = Build(context.Metadata, named, context.ExtraHeaders, context.ProviderApiKey, context.ProviderApiBase, context.OnResponse);
        return keyRef is null && keyProvider is null ? built
            : new TokenlayResolvedContext(built.Headers, built.ProviderApiKey, built.ProviderApiBase, built.Callbacks, keyRef, keyProvider);
    }

    /// <summary>Returns this context with <paramref name="inner"/> laid over it, key by key (as a nested scope lays its context over the outer one).</summary>
    /// <param name="inner">The context whose values win.</param>
    /// <returns>The merged context.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="inner"/> is null.</exception>
    public TokenlayResolvedContext Overlay(TokenlayResolvedContext inner)
    {
        if (inner is null)
        {
            throw new ArgumentNullException(nameof(inner));
        }
        if (ReferenceEquals(this, Empty))
        {
            return inner;
        }
        if (ReferenceEquals(inner, Empty))
        {
            return this;
        }
        var headers = new List<KeyValuePair<string, string>>(Headers);
        foreach (KeyValuePair<string, string> header in inner.Headers)
        {
            Put(headers, header.Key, header.Value);
        }
        var callbacks = new Action<TokenlayResponseInfo>[inner.Callbacks.Length + Callbacks.Length];
        inner.Callbacks.CopyTo(callbacks, 0);
        Callbacks.CopyTo(callbacks, inner.Callbacks.Length);
        // The credential slot: a key ref further in replaces a provider key (and its base) further out, and the reverse.
        if (inner.KeyRef is not null)
        {
            return new TokenlayResolvedContext(headers.ToArray(), null, null, callbacks, inner.KeyRef, inner.KeyProvider);
        }
        if (inner.ProviderApiKey is not null)
        {
            return new TokenlayResolvedContext(headers.ToArray(), inner.ProviderApiKey, inner.ProviderApiBase ?? ProviderApiBase, callbacks);
        }
        return new TokenlayResolvedContext(
            headers.ToArray(),
            ProviderApiKey,
            inner.ProviderApiBase ?? ProviderApiBase,
            callbacks,
            KeyRef,
            inner.KeyProvider ?? KeyProvider);
    }

    private static TokenlayResolvedContext Build(
        IDictionary<string, string>? metadata,
        List<KeyValuePair<string, string>>? named,
        IDictionary<string, string>? extraHeaders,
        string? providerApiKey,
        Uri? providerApiBase,
        Action<TokenlayResponseInfo>? callback)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (extraHeaders is not null)
        {
            foreach (KeyValuePair<string, string> entry in extraHeaders)
            {
                HeaderRules.ValidateName(entry.Key, "ExtraHeaders");
                RefuseReserved(entry.Key, entry.Key, "ExtraHeaders");
                if (entry.Value is not null)
                {
                    Put(headers, entry.Key, HeaderRules.EncodeValue(entry.Key, entry.Value, escapePercent: false, "ExtraHeaders"));
                }
            }
        }
        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> entry in metadata)
            {
                HeaderRules.ValidateName(entry.Key, "Metadata");
                string header = TokenlayHeaderNames.ForMetadata(entry.Key);
                RefuseReserved(header, entry.Key, "Metadata");
                if (entry.Value is not null)
                {
                    Put(headers, header, HeaderRules.EncodeValue(entry.Key, entry.Value, escapePercent: true, "Metadata"));
                }
            }
        }
        if (named is not null)
        {
            foreach (KeyValuePair<string, string> entry in named)
            {
                Put(headers, entry.Key, entry.Value);
            }
        }
        if (providerApiKey is not null)
        {
            HeaderRules.EncodeValue(nameof(TokenlayOptions.ProviderApiKey), providerApiKey, escapePercent: false, "ProviderApiKey");
        }
        return new TokenlayResolvedContext(
            headers.ToArray(),
            providerApiKey,
            providerApiBase is null ? null : ProviderBaseHeader(providerApiBase),
            callback is null ? Array.Empty<Action<TokenlayResponseInfo>>() : new[] { callback });
    }

    /// <summary>Checks a provider base and returns it as sent in <c>x-tokenlay-provider-base</c>: as the user wrote it.</summary>
    internal static string ProviderBaseHeader(Uri providerApiBase)
    {
        if (!providerApiBase.IsAbsoluteUri || (providerApiBase.Scheme != "https" && providerApiBase.Scheme != "http"))
        {
            throw new ArgumentException(
                "ProviderApiBase must be an absolute http(s) URL such as https://api.openai.com/v1.", "ProviderApiBase");
        }
        return HeaderRules.EncodeValue("ProviderApiBase", providerApiBase.OriginalString, escapePercent: false, "ProviderApiBase");
    }

    private static void AddNamed(List<KeyValuePair<string, string>> named, string header, string property, string? value)
    {
        if (value is not null)
        {
            named.Add(new KeyValuePair<string, string>(header, HeaderRules.EncodeValue(property, value, escapePercent: true, "TokenlayRequestContext")));
        }
    }

    private static void Put(List<KeyValuePair<string, string>> headers, string name, string value)
    {
        for (int i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                headers[i] = new KeyValuePair<string, string>(name, value);
                return;
            }
        }
        headers.Add(new KeyValuePair<string, string>(name, value));
    }

    /// <summary>Names the type only: a context can carry a provider key and personal data.</summary>
    /// <returns><c>TokenlayResolvedContext (values not shown)</c>.</returns>
    public override string ToString() => "TokenlayResolvedContext (values not shown)";
}
