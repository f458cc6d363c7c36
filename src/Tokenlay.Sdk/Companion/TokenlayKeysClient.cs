using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
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
    public const int MaxPageSize = TokenlayPageSizes.MaxKeys;

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
    public virtual Task<ClientResult<TokenlayConnectedKey>> ConnectAsync(TokenlayKeyConnection connection, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(ConnectRequest(connection), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The synchronous form of <see cref="ConnectAsync(TokenlayKeyConnection, CancellationToken)"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKey> Connect(TokenlayKeyConnection connection, CancellationToken cancellationToken = default) =>
        Transport.Send(ConnectRequest(connection), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>
    /// [Protocol method] Sends a connect written by the caller (the body of <c>POST /v1/keys</c>) and
    /// returns the raw answer. Give the body an <c>idempotency_key</c> so that a retry connects once.
    /// </summary>
    /// <param name="content">The JSON body: <c>ref_id</c>, <c>provider</c>, <c>key</c>, optional <c>base_url</c>, <c>config</c>, <c>label</c>, <c>validate</c>.</param>
    /// <param name="options">Headers, cancellation and error behaviour of this request.</param>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is null.</exception>
    public virtual Task<ClientResult> ConnectAsync(BinaryContent content, RequestOptions? options) =>
        Transport.SendAsync(ProtocolConnectRequest(content), options);

    /// <summary>[Protocol method] The synchronous form of <see cref="ConnectAsync(BinaryContent, RequestOptions)"/>.</summary>
    public virtual ClientResult Connect(BinaryContent content, RequestOptions? options) =>
        Transport.Send(ProtocolConnectRequest(content), options);

    // The caller's body carries the customer's key: read it out (the body is small) so that no error
    // message can carry it, even one where the provider quotes the key it refused.
    private static TokenlayApiRequest ProtocolConnectRequest(BinaryContent content)
    {
        if (content is null)
        {
            throw new ArgumentNullException(nameof(content));
        }
        using var buffer = new MemoryStream();
        content.WriteTo(buffer);
        BinaryData body = BinaryData.FromBytes(buffer.ToArray());
        string? secret = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(body.ToMemory());
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("key", out JsonElement key) && key.ValueKind == JsonValueKind.String)
            {
                secret = key.GetString();
            }
        }
        catch (JsonException)
        {
            // Not JSON: Tokenlay refuses it, and the refusal quotes no key of ours.
        }
        return ConnectRequest(BinaryContent.Create(body), string.IsNullOrEmpty(secret) ? null : secret);
    }

    private static TokenlayApiRequest ConnectRequest(TokenlayKeyConnection connection)
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
        return ConnectRequest(TokenlayApiRequest.Json(body), connection.Key);
    }

    private static TokenlayApiRequest ConnectRequest(BinaryContent content, string? secret) =>
        new("POST", "/v1/keys", "the key connect") { Content = content, Secret = secret };

    /// <summary>Every key that matches <paramref name="query"/>, oldest first, fetching pages lazily as the enumeration goes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">PageSize is out of range.</exception>
    /// <exception cref="TokenlayException">While enumerating: Tokenlay refused, could not be reached, or repeated a cursor.</exception>
    public virtual AsyncCollectionResult<TokenlayConnectedKey> ListAsync(TokenlayKeyQuery? query = null, CancellationToken cancellationToken = default)
    {
        PageSize(query?.PageSize);
        return new TokenlayAsyncPageCollection<TokenlayConnectedKeyPage, TokenlayConnectedKey>((cursor, ct) => GetPageAsync(query, cursor, ct), "", null, cancellationToken);
    }

    /// <summary>The synchronous form of <see cref="ListAsync"/>.</summary>
    public virtual CollectionResult<TokenlayConnectedKey> List(TokenlayKeyQuery? query = null, CancellationToken cancellationToken = default)
    {
        PageSize(query?.PageSize);
        return new TokenlayPageCollection<TokenlayConnectedKeyPage, TokenlayConnectedKey>((cursor, ct) => GetPage(query, cursor, ct), "", null, cancellationToken);
    }

    /// <summary>One page of keys that match <paramref name="query"/>, from <paramref name="cursor"/> (a <see cref="TokenlayConnectedKeyPage.NextCursor"/>) or the start.</summary>
    /// <exception cref="ArgumentOutOfRangeException">PageSize is out of range.</exception>
    /// <exception cref="TokenlayException">Tokenlay refused or could not be reached.</exception>
    public virtual Task<ClientResult<TokenlayConnectedKeyPage>> GetPageAsync(TokenlayKeyQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(PageRequest(query, cursor), TokenlayJsonContext.Default.TokenlayConnectedKeyPage, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetPageAsync"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKeyPage> GetPage(TokenlayKeyQuery? query = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        Transport.Send(PageRequest(query, cursor), TokenlayJsonContext.Default.TokenlayConnectedKeyPage, cancellationToken);

    /// <summary>One key by its id.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    public virtual Task<ClientResult<TokenlayConnectedKey>> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(GetRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The synchronous form of <see cref="GetAsync"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKey> Get(string id, CancellationToken cancellationToken = default) =>
        Transport.Send(GetRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>
    /// Replaces the key's secret with <paramref name="newKey"/>, validated as a connect is; the old one is
    /// erased, and the next call for the customer uses the new one. Rotating to the same secret again changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> or <paramref name="newKey"/> is empty or invalid.</exception>
    /// <exception cref="TokenlayValidationException">The provider refused the new key (<c>invalid_provider_key</c>); the old one stays.</exception>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    /// <exception cref="TokenlayConflictException">The key is revoked (<c>key_revoked</c>): connect a new one.</exception>
    public virtual Task<ClientResult<TokenlayConnectedKey>> RotateAsync(string id, string newKey, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(RotateRequest(id, newKey), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The synchronous form of <see cref="RotateAsync"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKey> Rotate(string id, string newKey, CancellationToken cancellationToken = default) =>
        Transport.Send(RotateRequest(id, newKey), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>Asks the provider whether it accepts the key now and records the outcome; see <see cref="TokenlayConnectedKey.Validation"/>.</summary>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    /// <exception cref="TokenlayConflictException">The key is revoked.</exception>
    public virtual Task<ClientResult<TokenlayConnectedKey>> ValidateAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(ValidateRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The synchronous form of <see cref="ValidateAsync"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKey> Validate(string id, CancellationToken cancellationToken = default) =>
        Transport.Send(ValidateRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>Revokes the key: its secret is erased and calls naming the customer get <see cref="TokenlayKeyNotConnectedException"/>. Revoking twice is fine.</summary>
    /// <exception cref="TokenlayNotFoundException">No key has that id.</exception>
    public virtual Task<ClientResult<TokenlayConnectedKey>> RevokeAsync(string id, CancellationToken cancellationToken = default) =>
        Transport.SendAsync(RevokeRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The synchronous form of <see cref="RevokeAsync"/>.</summary>
    public virtual ClientResult<TokenlayConnectedKey> Revoke(string id, CancellationToken cancellationToken = default) =>
        Transport.Send(RevokeRequest(id), TokenlayJsonContext.Default.TokenlayConnectedKey, cancellationToken);

    /// <summary>The key's audit events (connected, validated, rotated, revoked, used), oldest first, fetching pages lazily.</summary>
    /// <exception cref="ArgumentException"><paramref name="id"/> is empty.</exception>
    /// <exception cref="TokenlayNotFoundException">While enumerating: no key has that id.</exception>
    public virtual AsyncCollectionResult<TokenlayKeyEvent> ListEventsAsync(string id, CancellationToken cancellationToken = default)
    {
        string path = Path(id) + "/events";
        return new TokenlayAsyncPageCollection<TokenlayKeyEventPage, TokenlayKeyEvent>(
            (cursor, ct) => Transport.SendAsync(EventsRequest(path, cursor), TokenlayJsonContext.Default.TokenlayKeyEventPage, ct), "", null, cancellationToken);
    }

    /// <summary>The synchronous form of <see cref="ListEventsAsync"/>.</summary>
    public virtual CollectionResult<TokenlayKeyEvent> ListEvents(string id, CancellationToken cancellationToken = default)
    {
        string path = Path(id) + "/events";
        return new TokenlayPageCollection<TokenlayKeyEventPage, TokenlayKeyEvent>(
            (cursor, ct) => Transport.Send(EventsRequest(path, cursor), TokenlayJsonContext.Default.TokenlayKeyEventPage, ct), "", null, cancellationToken);
    }

    private static TokenlayApiRequest GetRequest(string id) => new("GET", Path(id), "the key request");

    private static TokenlayApiRequest ValidateRequest(string id) => new("POST", Path(id) + "/validate", "the key validation");

    private static TokenlayApiRequest RevokeRequest(string id) => new("DELETE", Path(id), "the key revocation");

    private static TokenlayApiRequest EventsRequest(string path, string? cursor) =>
        new("GET", path, "the key events") { Query = new[] { new KeyValuePair<string, string?>("cursor", cursor) } };

    private static TokenlayApiRequest PageRequest(TokenlayKeyQuery? query, string? cursor)
    {
        query ??= new TokenlayKeyQuery();
        return new TokenlayApiRequest("GET", "/v1/keys", "the keys list")
        {
            Query = new KeyValuePair<string, string?>[]
            {
                new("ref_id", query.RefId),
                new("provider", query.Provider?.ToString()),
                new("status", query.Status?.ToString()),
                new("limit", PageSize(query.PageSize)),
                new("cursor", cursor),
            },
        };
    }

    private static TokenlayApiRequest RotateRequest(string id, string newKey)
    {
        string path = Path(id);
        string secret = TokenlayKeyConnection.CheckSecret(newKey, nameof(newKey));
        return new TokenlayApiRequest("PUT", path, "the key rotation") { Body = Write(w => w.WriteString("key", secret)), Secret = secret };
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
        < 1 or > MaxPageSize => throw new ArgumentOutOfRangeException("query", size, $"PageSize must be from 1 to {MaxPageSize}."),
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
