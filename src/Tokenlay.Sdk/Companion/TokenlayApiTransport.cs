using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay.Companion;

/// <summary>
/// Sends requests to Tokenlay's own REST API through one <see cref="ClientPipeline"/> (retries,
/// Retry-After, timeouts) and turns answers into models or typed exceptions.
/// </summary>
internal sealed class TokenlayApiTransport
{
    private readonly TokenlaySettingsSource _source;

    /// <param name="source">
    /// Where the settings are read on every call: hosting updates it on a configuration reload, so
    /// a new key applies to the next call here as it does for the OpenAI client.
    /// </param>
    /// <param name="options">Pipeline settings; retries and timeout default to the source's.</param>
    public TokenlayApiTransport(TokenlaySettingsSource source, TokenlayClientOptions? options)
    {
        _source = source;
        TokenlaySettings settings = source.Current;
        // A copy (with the caller's policies, transport and logging): the caller's options are never
        // changed or frozen, so one instance can serve clients with different settings.
        ClientPipelineOptions pipelineOptions = options?.Clone() ?? new TokenlayClientOptions();
        pipelineOptions.RetryPolicy ??= settings.CreateRetryPolicy();
        pipelineOptions.NetworkTimeout ??= settings.NetworkTimeout;
        Pipeline = ClientPipeline.Create(
            pipelineOptions,
            ReadOnlySpan<PipelinePolicy>.Empty,
            new PipelinePolicy[] { ApiKeyAuthenticationPolicy.CreateBearerAuthorizationPolicy(source.Credential) },
            ReadOnlySpan<PipelinePolicy>.Empty);
    }

    private TokenlaySettings Settings => _source.Current;

    public ClientPipeline Pipeline { get; }

    /// <summary>Sends <paramref name="request"/> and reads the answer as <typeparamref name="T"/>, with the raw response kept.</summary>
    public async Task<ClientResult<T>> SendAsync<T>(TokenlayApiRequest request, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
        where T : class =>
        await SendCoreAsync(request, responseType, cancellationToken, async: true).ConfigureAwait(false);

    /// <summary>The synchronous form of <see cref="SendAsync{T}"/>: the same request, on the caller's thread.</summary>
    public ClientResult<T> Send<T>(TokenlayApiRequest request, JsonTypeInfo<T> responseType, CancellationToken cancellationToken)
        where T : class =>
        Completed(SendCoreAsync(request, responseType, cancellationToken, async: false));

    /// <summary>
    /// A protocol method's send: the answer is returned raw. An error answer throws typed, as the
    /// convenience methods do, unless <paramref name="options"/> says <see cref="ClientErrorBehaviors.NoThrow"/>.
    /// </summary>
    public async Task<ClientResult> SendAsync(TokenlayApiRequest request, RequestOptions? options) =>
        await SendProtocolCoreAsync(request, options, async: true).ConfigureAwait(false);

    /// <summary>The synchronous form of <see cref="SendAsync(TokenlayApiRequest, RequestOptions?)"/>.</summary>
    public ClientResult Send(TokenlayApiRequest request, RequestOptions? options) =>
        Completed(SendProtocolCoreAsync(request, options, async: false));

    // The sync forms run the same body with async false: every await in it then completes at once.
    private static T Completed<T>(ValueTask<T> task) =>
        task.IsCompleted ? task.Result : throw new InvalidOperationException("A synchronous send did not complete synchronously.");

    private async ValueTask<ClientResult<T>> SendCoreAsync<T>(TokenlayApiRequest request, JsonTypeInfo<T> responseType, CancellationToken cancellationToken, bool async)
        where T : class
    {
        using PipelineMessage message = CreateMessage(request, new RequestOptions { CancellationToken = cancellationToken });
        PipelineResponse response = await ProcessAsync(message, request, throwOnError: true, async).ConfigureAwait(false);
        T value = Parse(message, response, responseType, request.What);
        return ClientResult.FromValue(value, message.ExtractResponse()!);
    }

    private async ValueTask<ClientResult> SendProtocolCoreAsync(TokenlayApiRequest request, RequestOptions? options, bool async)
    {
        using PipelineMessage message = CreateMessage(request, options);
        bool throwOnError = options is null || (options.ErrorOptions & ClientErrorBehaviors.NoThrow) == 0;
        await ProcessAsync(message, request, throwOnError, async).ConfigureAwait(false);
        return ClientResult.FromResponse(message.ExtractResponse()!);
    }

    private PipelineMessage CreateMessage(TokenlayApiRequest request, RequestOptions? options)
    {
        PipelineMessage message = Pipeline.CreateMessage();
        PipelineRequest http = message.Request;
        http.Method = request.Method;
        http.Uri = BuildUri(request.Path, request.Query);
        http.Headers.Set("Accept", "application/json");
        http.Headers.Set("User-Agent", TokenlayOpenAIClient.UserAgent);
        if (request.IdempotencyKey is not null)
        {
            http.Headers.Set(TokenlayHeaderNames.IdempotencyKey, request.IdempotencyKey);
        }
        if (request.Content is not null)
        {
            http.Headers.Set("Content-Type", "application/json");
            http.Content = request.Content;
        }
        if (options is not null)
        {
            // After the defaults, so that a protocol caller's headers and cancellation win.
            message.Apply(options);
        }
        return message;
    }

    private async ValueTask<PipelineResponse> ProcessAsync(PipelineMessage message, TokenlayApiRequest request, bool throwOnError, bool async)
    {
        Func<string, string> redact = request.Secret is null ? Redact : text => SecretRedactor.Redact(text, Settings.TokenlayKey, request.Secret);
        try
        {
            if (async)
            {
                await Pipeline.SendAsync(message).ConfigureAwait(false);
            }
            else
            {
                Pipeline.Send(message);
            }
        }
        catch (Exception exception) when (TokenlayFailures.Translate(Settings, message, exception, redact) is { } typed)
        {
            throw typed;
        }
        PipelineResponse response = message.Response!;
        if (response.IsError && throwOnError)
        {
            throw async
                ? await TokenlayFailures.FromErrorResponseAsync(Settings, message, response, redact).ConfigureAwait(false)
                : TokenlayFailures.FromErrorResponse(Settings, message, response, redact);
        }
        return response;
    }

    /// <summary>
    /// Sends a GET whose answer is a file (an export) and copies its body to <paramref name="destination"/>
    /// as it arrives: the response is not buffered (<see cref="PipelineMessage.BufferResponse"/> false), so
    /// memory stays flat for any size. An error answer is buffered (it is small) and thrown typed.
    /// </summary>
    /// <returns>The number of bytes copied.</returns>
    public Task<long> CopyToAsync(TokenlayApiRequest request, string accept, Stream destination, CancellationToken cancellationToken) =>
        CopyCoreAsync(request, accept, destination, cancellationToken, async: true).AsTask();

    /// <summary>The synchronous form of <see cref="CopyToAsync"/>.</summary>
    public long CopyTo(TokenlayApiRequest request, string accept, Stream destination, CancellationToken cancellationToken) =>
        Completed(CopyCoreAsync(request, accept, destination, cancellationToken, async: false));

    private async ValueTask<long> CopyCoreAsync(TokenlayApiRequest request, string accept, Stream destination, CancellationToken cancellationToken, bool async)
    {
        using PipelineMessage message = CreateMessage(request, new RequestOptions { CancellationToken = cancellationToken });
        message.BufferResponse = false;
        message.Request.Headers.Set("Accept", accept + ", application/json");
        PipelineResponse response = await ProcessAsync(message, request, throwOnError: true, async).ConfigureAwait(false);
        if (response.ContentStream is not { } body)
        {
            return 0;
        }
        try
        {
            var buffer = new byte[81920];
            long copied = 0;
            int read;
            while ((read = async
                       ? await body.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)
                       : body.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (async)
                {
                    await destination.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    destination.Write(buffer, 0, read);
                }
                copied += read;
            }
            return copied;
        }
        catch (Exception exception) when (TokenlayFailures.Translate(Settings, message, exception, Redact) is { } typed)
        {
            // A connection cut in the middle of the body: the destination then holds a partial file.
            throw typed;
        }
    }

    /// <summary>Reads the body as <typeparamref name="T"/>; a body that is not that gives a typed error, never a null.</summary>
    internal T Parse<T>(PipelineMessage message, PipelineResponse response, JsonTypeInfo<T> type, string what)
        where T : class
    {
        ReadOnlyMemory<byte> content = response.Content.ToMemory();
        try
        {
            if (JsonSerializer.Deserialize(content.Span, type) is { } value)
            {
                return value;
            }
        }
        catch (JsonException e)
        {
            throw Malformed(message, response, what, content, e);
        }
        throw Malformed(message, response, what, content, null);
    }

    private TokenlayException Malformed(PipelineMessage message, PipelineResponse response, string what, ReadOnlyMemory<byte> content, Exception? cause)
    {
        string text = Encoding.UTF8.GetString(content.ToArray());
        string excerpt = text.Length <= 120 ? text : text.Substring(0, 120) + "…";
        TokenlaySettings settings = Settings;
        return new TokenlayException(
            Redact($"Tokenlay answered {what} ({TokenlayFailures.Describe(message)}) with HTTP {response.Status}, but the body is not the expected JSON" +
                   (cause is null ? "" : $" ({cause.Message})") + $". It starts: \"{excerpt}\". " +
                   $"Check that {settings.Names.TokenlayBaseUrl} ({settings.BaseUrl}) points at Tokenlay."),
            response, cause);
    }

    private string Redact(string text) => SecretRedactor.Redact(text, Settings.TokenlayKey);

    private Uri BuildUri(string path, IEnumerable<KeyValuePair<string, string?>>? query)
    {
        var uri = new StringBuilder(Settings.BaseUrl.AbsoluteUri.TrimEnd('/')).Append(path);
        char separator = '?';
        if (query is not null)
        {
            foreach (KeyValuePair<string, string?> pair in query)
            {
                if (pair.Value is null)
                {
                    continue;
                }
                uri.Append(separator).Append(pair.Key).Append('=').Append(Uri.EscapeDataString(pair.Value));
                separator = '&';
            }
        }
        return new Uri(uri.ToString());
    }

    internal static string? Time(DateTimeOffset? value) =>
        value?.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal static void ValidateRange(DateTimeOffset? since, DateTimeOffset? until, string paramName)
    {
        if (since is not null && until is not null && since > until)
        {
            throw new ArgumentException($"Since ({since:O}) is after Until ({until:O}); swap them or widen the range.", paramName);
        }
    }
}
