using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Tokenlay.Pipeline;

namespace Tokenlay.Companion;

/// <summary>
/// The provider keys your customers bring (<c>/v1/keys</c>): connect one once, then make calls for
/// that customer with <see cref="TokenlayRequestContext.KeyRef"/> and no provider key in your app.
/// Get it from <see cref="TokenlayClient.Keys"/>. No method ever returns a secret.
/// </summary>
/// <example>
/// <code>
/// TokenlayConnectedKey key = await tokenlay.Keys.ConnectAsync(
///     new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAICompatible, customersKey) { BaseUrl = new Uri("https://openrouter.ai/api/v1") });
/// using (TokenlayScope.Begin(new TokenlayRequestContext { KeyRef = "acme" }))
/// {
///     await chat.CompleteChatAsync("Hello!");
/// }
/// </code>
/// </example>
public class TokenlayKeysClient
{
    /// <summary>The largest page the API serves.</summary>
    public const int MaxPageSize = 100;

    private readonly TokenlayApiTransport? _transport;

    /// <summary>For mocking.</summary>
    protected TokenlayKeysClient()
    {
    }

    internal TokenlayKeysClient(TokenlayApiTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Connects a customer's key: Tokenlay validates it with the provider (unless
    /// <see cref="TokenlayKeyConnection.Validate"/> is false), stores it encrypted and returns it without
    /// the secret. The idempotency key (generated when not given) makes a retried connect connect once.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="connection"/> is null.</exception>
    /// <exception cref="TokenlayValidationException">A field is invalid, or the provider refused the key (<c>invalid_provider_key</c>).</exception>
    /// <exception cref="TokenlayConflictException">The customer already has an active key for this provider (<c>key_already_connected</c>): rotate it instead.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached (see the subclasses).</exception>
    public virtual Task<TokenlayConnectedKey> ConnectAsync(TokenlayKeyConnection connection, CancellationToken cancellationToken = default)
    {
        if (connection is null)
        {
            throw new ArgumentNullException(nameof(connection));
        }
        byte[] body = Write(w =>
        {
            w.WriteString("ref_id", connection.RefId);
            w.WriteString("provider", connection.Provider.ToString());
            w.WriteString("key", connection.Key);
            if (connection.BaseUrl is { } baseUrl)
            {
                w.WriteString("base_url", CheckBase(baseUrl));
            }
            if (connection.Config is { } config)
            {
                w.WriteStartObject("config");
                if (config.Deployment is not null)
                {
                    w.WriteString("deployment", config.Deployment);
                }
                if (config.ApiVersion is not null)
                {
                    w.WriteString("api_version", config.ApiVersion);
                }
                w.WriteEndObject();
            }
            if (connection.Label is not null)
            {
                w.WriteString("label", connection.Label);
            }
            w.WriteBoolean("validate", connection.Validate);
            // Fixed here, so the pipeline's retries resend the same one.
            w.WriteString("idempotency_key", connection.IdempotencyKey ?? IdempotencyKeys.Next());
        });
        return Transport.SendAsync("POST", "/v1/keys", null, body, TokenlayJsonContext.Default.TokenlayConnectedKey, "the key connect", connection.Key, cancellationToken);
    }

    /// <summary>Every key that matches <paramref name="query"/>, oldest first, fetching pages lazily as the enumeration goes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">PageSize is out of range.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual async IAsyncEnumerable<TokenlayConnectedKey> ListAsync(TokenlayKeyQuery? query = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        var cursors = new CursorGuard("");
        while (true)
        {
            TokenlayConnectedKeyPage page = await GetPageAsync(query, cursor, cancellationToken).ConfigureAwait(false);
            foreach (TokenlayConnectedKey key in page.Data)
            {
                yield return key;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            cursor = cursors.Next(page.NextCursor);
        }
    }

    /// <summary>One page of keys that match <paramref name="query"/>, from <paramref name="cursor"/> (a <see cref="TokenlayConnectedKeyPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentOutOfRangeException">PageSize is out of range.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<TokenlayConnectedKeyPage> GetPageAsync(TokenlayKeyQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        query ??= new TokenlayKeyQuery();
        var parameters = new List<KeyValuePair<string, string?>>
        {
            new("ref_id", query.RefId),
            new("provider", query.Provider?.ToString()),
            new("status", query.Status?.ToString()),
            new("limit", PageSize(query.PageSize)),
            new("cursor", cursor),
        };
        return Transport.SendAsync("GET", "/v1/keys", parameters, null, TokenlayJsonContext.Default.TokenlayConnectedKeyPage, "the keys list", cancellationToken);
    }

    /// <summary>One key by its id.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    public virtual Task<TokenlayConnectedKey> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync("GET", Path(id), null, null, TokenlayJsonContext.Default.TokenlayConnectedKey, "the key request", cancellationToken);

    /// <summary>
    /// Replaces the key's secret with <paramref name="newKey"/>, validated as a connect is; the old one is
    /// erased, and the next call for the customer uses the new one. Rotating to the same secret again changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> or <paramref name="newKey"/> is empty or invalid.</exception>
    /// <exception cref="TokenlayValidationException">The provider refused the new key (<c>invalid_provider_key</c>); the old one stays.</exception>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    /// <exception cref="TokenlayConflictException">The key is revoked (<c>key_revoked</c>): connect a new one.</exception>
    public virtual Task<TokenlayConnectedKey> RotateAsync(string id, string newKey, CancellationToken cancellationToken = default)
    {
        string path = Path(id);
        string secret = TokenlayKeyConnection.CheckSecret(newKey, nameof(newKey));
        byte[] body = Write(w => w.WriteString("key", secret));
        return Transport.SendAsync("PUT", path, null, body, TokenlayJsonContext.Default.TokenlayConnectedKey, "the key rotation", secret, cancellationToken);
    }

    /// <summary>Asks the provider whether it accepts the key now and records the outcome; see <see cref="TokenlayConnectedKey.Validation"/>.</summary>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    /// <exception cref="TokenlayConflictException">The key is revoked.</exception>
    public virtual Task<TokenlayConnectedKey> ValidateAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync("POST", Path(id) + "/validate", null, null, TokenlayJsonContext.Default.TokenlayConnectedKey, "the key validation", cancellationToken);

    /// <summary>Revokes the key: its secret is erased and calls naming the customer get <see cref="TokenlayKeyNotConnectedException"/>. Revoking twice is fine.</summary>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    public virtual Task<TokenlayConnectedKey> RevokeAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync("DELETE", Path(id), null, null, TokenlayJsonContext.Default.TokenlayConnectedKey, "the key revocation", cancellationToken);

    /// <summary>The key's audit events (connected, validated, rotated, revoked, used), oldest first, fetching pages lazily.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    public virtual async IAsyncEnumerable<TokenlayKeyEvent> ListEventsAsync(string id, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string path = Path(id) + "/events";
        string? cursor = null;
        var cursors = new CursorGuard("");
        while (true)
        {
            TokenlayKeyEventPage page = await Transport.SendAsync("GET", path, new[] { new KeyValuePair<string, string?>("cursor", cursor) }, null,
                TokenlayJsonContext.Default.TokenlayKeyEventPage, "the key events", cancellationToken).ConfigureAwait(false);
            foreach (TokenlayKeyEvent keyEvent in page.Data)
            {
                yield return keyEvent;
            }
            if (page.NextCursor is null)
            {
                yield break;
            }
            cursor = cursors.Next(page.NextCursor);
        }
    }

    private static string Path(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw new ArgumentException("The key id is empty; pass TokenlayConnectedKey.Id.", nameof(id));
        }
        return "/v1/keys/" + Uri.EscapeDataString(id);
    }

    private static string? PageSize(int? size) => size switch
    {
        null => null,
        < 1 or > MaxPageSize => throw new ArgumentOutOfRangeException(nameof(size), size, $"PageSize must be from 1 to {MaxPageSize}."),
        _ => size.Value.ToString(CultureInfo.InvariantCulture),
    };

    private static string CheckBase(Uri baseUrl) =>
        baseUrl.IsAbsoluteUri && (baseUrl.Scheme == "https" || baseUrl.Scheme == "http")
            ? baseUrl.OriginalString
            : throw new ArgumentException("BaseUrl must be an absolute http(s) URL such as https://openrouter.ai/api/v1.", "connection");

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private TokenlayApiTransport Transport => _transport ?? throw new InvalidOperationException("This instance was created for mocking and has no transport.");
}
