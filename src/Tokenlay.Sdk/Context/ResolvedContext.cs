using System;
using System.Collections.Generic;
using Tokenlay.Pipeline;

namespace Tokenlay;

/// <summary>
/// A validated, wire-ready, immutable form of <see cref="TokenlayOptions"/> defaults or of a
/// <see cref="TokenlayRequestContext"/>. Built once (client creation, scope start), read on every
/// call without further allocation.
/// </summary>
internal sealed class ResolvedContext
{
    public static readonly ResolvedContext Empty = new(Array.Empty<KeyValuePair<string, string>>(), null, null, Array.Empty<Action<TokenlayResponseInfo>>());

    private ResolvedContext(KeyValuePair<string, string>[] headers, string? providerApiKey, string? providerApiBase, Action<TokenlayResponseInfo>[] callbacks, string? keyRef = null, string? keyProvider = null)
    {
        KeyRef = keyRef;
        KeyProvider = keyProvider;
        Headers = headers;
        ProviderApiKey = providerApiKey;
        ProviderApiBase = providerApiBase;
        Callbacks = callbacks;
    }

    /// <summary>Header name and encoded value; no two names equal ignoring case.</summary>
    public KeyValuePair<string, string>[] Headers { get; }

    public string? ProviderApiKey { get; }

    public string? ProviderApiBase { get; }

    /// <summary>
    /// <c>x-tokenlay-key-ref</c>, encoded. It and <see cref="ProviderApiKey"/> fill one slot, the call's
    /// credential: whichever the innermost layer sets wins, so a scope naming a customer's connected key
    /// is never sent with the client's own provider key (the proxy refuses both at once).
    /// </summary>
    public string? KeyRef { get; }

    /// <summary><c>x-tokenlay-key-provider</c>: which of the <see cref="KeyRef"/> customer's keys; sent only with a key ref.</summary>
    public string? KeyProvider { get; }

    /// <summary>Innermost first.</summary>
    public Action<TokenlayResponseInfo>[] Callbacks { get; }

    public static ResolvedContext FromOptions(TokenlayOptions options) =>
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

    public static ResolvedContext FromContext(TokenlayRequestContext context)
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
        ResolvedContext built = Build(context.Metadata, named, context.ExtraHeaders, context.ProviderApiKey, context.ProviderApiBase, context.OnResponse);
        return keyRef is null && keyProvider is null ? built
            : new ResolvedContext(built.Headers, built.ProviderApiKey, built.ProviderApiBase, built.Callbacks, keyRef, keyProvider);
    }

    /// <summary>Returns this context with <paramref name="inner"/> laid over it, key by key.</summary>
    public ResolvedContext Overlay(ResolvedContext inner)
    {
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
            return new ResolvedContext(headers.ToArray(), null, null, callbacks, inner.KeyRef, inner.KeyProvider);
        }
        if (inner.ProviderApiKey is not null)
        {
            return new ResolvedContext(headers.ToArray(), inner.ProviderApiKey, inner.ProviderApiBase ?? ProviderApiBase, callbacks);
        }
        return new ResolvedContext(
            headers.ToArray(),
            ProviderApiKey,
            inner.ProviderApiBase ?? ProviderApiBase,
            callbacks,
            KeyRef,
            inner.KeyProvider ?? KeyProvider);
    }

    private static ResolvedContext Build(
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
        return new ResolvedContext(
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
}
