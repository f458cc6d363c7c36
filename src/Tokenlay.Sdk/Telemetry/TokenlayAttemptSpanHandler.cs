using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay;

/// <summary>
/// Opens the <c>Tokenlay.Sdk</c> span of each HTTP attempt, for an HttpClient that retries in its own
/// handlers (Microsoft.Extensions.Http.Resilience, Polly). Add it inside the retry handler, so each
/// retry is its own span numbered by <c>tokenlay.attempt</c>, and create the OpenAI client with
/// <c>attemptSpansInHttpHandler: true</c> so the pipeline does not open one too. Requests that no
/// Tokenlay client sent pass through untouched.
/// </summary>
/// <remarks>An advanced type: the DI package adds it for you (<c>AddTokenlay</c> with resilience).</remarks>
public sealed class TokenlayAttemptSpanHandler : DelegatingHandler
{
    /// <inheritdoc/>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (TokenlayAttemptSpan.Current is not { } call || !TokenlayAttemptSpan.Listening)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        Activity? activity = TokenlayAttemptSpan.Start(call, call.NextAttempt(), request.Method.Method, request.RequestUri);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            TokenlayAttemptSpan.Fail(activity, e);
            throw;
        }
        TokenlayAttemptSpan.Finish(activity, (int)response.StatusCode,
            name => response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null);
        return response;
    }
}
