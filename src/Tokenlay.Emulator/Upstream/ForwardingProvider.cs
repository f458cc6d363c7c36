using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Upstream;

/// <summary>
/// Relays calls to the provider named by <c>x-tokenlay-provider-base</c> with the caller's provider
/// key. Streams are passed on event by event as they arrive, never buffered, and a chat stream is
/// asked for its usage chunk so that it can be metered.
/// </summary>
internal sealed class ForwardingProvider : IProvider, IDisposable
{
    private readonly TimeSpan _timeout;

    /// <param name="timeout">How long the provider may take to answer, and then to send each part of a stream (<c>--upstream-timeout</c>).</param>
    public ForwardingProvider(TimeSpan timeout) => _timeout = timeout;

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(2), // follow DNS changes of the provider
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan, // LLM streams run long: _timeout bounds each wait instead of the whole call
    };

    public async Task<UpstreamReply> CompleteAsync(ProxyRequest request, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        using HttpRequestMessage message = CreateMessage(request);
        HttpResponseMessage response;
        byte[] body;
        try
        {
            response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, deadline.Token);
            body = await response.Content.ReadAsByteArrayAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut();
        }
        using var _ = response;
        if (!response.IsSuccessStatusCode)
        {
            return new UpstreamReply((int)response.StatusCode, body, 0, 0, "provider error");
        }
        // Always a claim to check; a reply without usage claims -1, which the settle stage replaces by our count.
        ProviderEvent reply = ProviderEvent.Read(body);
        return new UpstreamReply((int)response.StatusCode, body, reply.UsageFound ? reply.Input : -1, reply.UsageFound ? reply.Output : -1, null, Reported: true, reply.Text);
    }

    public async Task<UpstreamReply> StreamAsync(ProxyRequest request, HttpResponse response, StreamProgress progress, CancellationToken cancellationToken)
    {
        // What the caller asked for, read before the proxy adds its own request for usage.
        bool callerWantsUsage = request.IncludeUsage;
        if (request.Endpoint == "chat/completions")
        {
            // Without it a streamed call could not be metered.
            // On a copy: the call's body is the caller's request as admitted, and stays so.
            var body = (JsonObject)request.Body.DeepClone();
            JsonObject streamOptions = body["stream_options"] as JsonObject ?? new JsonObject();
            streamOptions["include_usage"] = true;
            body["stream_options"] = streamOptions;
            request = request with { Body = body };
        }
        using HttpRequestMessage message = CreateMessage(request);
        // The timeout is an idle timeout: it is started again at every line the provider sends.
        using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        idle.CancelAfter(_timeout);
        HttpResponseMessage upstream;
        try
        {
            upstream = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, idle.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut();
        }
        using var _ = upstream;
        if (!upstream.IsSuccessStatusCode)
        {
            byte[] error = await upstream.Content.ReadAsByteArrayAsync(cancellationToken);
            return new UpstreamReply((int)upstream.StatusCode, error, 0, 0, "provider error");
        }
        await using Stream source = await upstream.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(source, Encoding.UTF8);
        long input = -1, output = -1;
        var pending = new StringBuilder();
        bool withhold = false;
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(idle.Token);
            }
            catch (Exception e) when (!response.HasStarted && e is IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // Nothing reached the caller yet: this is the provider's failure, answered as one (502 or 504).
                return e is OperationCanceledException ? TimedOut() : new UpstreamReply(502, null, 0, 0, "The provider's stream broke before its first event: " + e.Message);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"The provider sent nothing for {_timeout.TotalSeconds:0.#} s (--upstream-timeout); the stream is cut.");
            }
            if (line is null)
            {
                break;
            }
            idle.CancelAfter(_timeout);
            if (!response.HasStarted)
            {
                response.ContentType = upstream.Content.Headers.ContentType?.ToString() ?? "text/event-stream";
                response.Headers.CacheControl = "no-cache";
            }
            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                ProviderEvent chunk = ProviderEvent.Read(Encoding.UTF8.GetBytes(line.AsSpan(5).Trim().ToString()));
                if (chunk.UsageFound)
                {
                    (input, output) = (chunk.Input, chunk.Output);
                    progress.InputTokens = chunk.Input;
                    progress.ReportedOutputTokens = chunk.Output;
                }
                // Our own count of what was relayed: it meters the stream if the caller hangs up before the usage arrives.
                progress.Relayed(chunk.Text);
                // The usage chunk the proxy asked for on its own (no choices) is metered, not relayed:
                // a caller that did not ask for it would read chunk.choices[0] and fail. Nor does it get the
                // "usage": null the provider then adds to every other chunk.
                withhold |= !callerWantsUsage && chunk.UsageOnly;
                if (!callerWantsUsage)
                {
                    line = WithoutNullUsage(line);
                }
            }
            pending.Append(line).Append('\n');
            if (line.Length == 0)
            {
                string sseEvent = pending.ToString();
                if (IsTerminal(sseEvent))
                {
                    // The proxy's summary (when asked for) goes just before the end: clients stop reading there.
                    await progress.EndingAsync(input, output, reported: true);
                }
                // End of one event: hand it on now (unless it is the withheld usage chunk).
                if (!withhold)
                {
                    await response.WriteAsync(sseEvent, cancellationToken);
                    await response.Body.FlushAsync(cancellationToken);
                }
                pending.Clear();
                withhold = false;
            }
        }
        if (pending.Length > 0)
        {
            await response.WriteAsync(pending.ToString(), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
        }
        await progress.EndingAsync(input, output, reported: true); // a Responses stream has no [DONE]
        return new UpstreamReply(200, null, input, output, null, Reported: true, progress.Text);
    }

    private UpstreamReply TimedOut() =>
        new(504, null, 0, 0, $"The provider did not answer within {_timeout.TotalSeconds:0.#} s (--upstream-timeout).");

    private static HttpRequestMessage CreateMessage(ProxyRequest request)
    {
        string baseUrl = (request.ProviderBase ?? Tokenlay.TokenlayOptions.DefaultProviderApiBase.OriginalString).TrimEnd('/');
        var message = new HttpRequestMessage(HttpMethod.Post, request.Key is { } key ? Keys.ProviderRoute.Url(key, request.Endpoint) : new Uri(baseUrl + "/" + request.Endpoint))
        {
            Content = new StringContent(request.Body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (request.Key is { } connected)
        {
            // A customer's connected key: the header its provider reads (Bearer, Azure's api-key, Anthropic's x-api-key).
            Keys.ProviderRoute.Authorize(message, connected);
        }
        else
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.ProviderKey);
        }
        if (request.Stream)
        {
            message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        }
        return message;
    }

    /// <summary>Whether an SSE event ends the stream: chat's <c>[DONE]</c>, or a Responses stream's terminal event.</summary>
    internal static bool IsTerminal(string sseEvent) =>
        sseEvent.StartsWith("data: [DONE]", StringComparison.Ordinal) || sseEvent.StartsWith("data:[DONE]", StringComparison.Ordinal)
        || sseEvent.Contains("\"response.completed\"", StringComparison.Ordinal) || sseEvent.Contains("\"response.incomplete\"", StringComparison.Ordinal)
        || sseEvent.Contains("\"response.failed\"", StringComparison.Ordinal);

    // The provider serialises the field compactly ("usage":null); Python-style spacing is handled too.
    internal static string WithoutNullUsage(string line) => !line.Contains("\"usage\"", StringComparison.Ordinal)
        ? line
        : line.Replace(",\"usage\":null", "", StringComparison.Ordinal).Replace(", \"usage\": null", "", StringComparison.Ordinal)
            .Replace("\"usage\":null,", "", StringComparison.Ordinal).Replace("\"usage\": null, ", "", StringComparison.Ordinal);

    public void Dispose() => _http.Dispose();
}
