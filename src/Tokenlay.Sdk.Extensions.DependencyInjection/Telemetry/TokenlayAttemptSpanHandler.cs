using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace Tokenlay;

/// <summary>
/// Opens the <c>Tokenlay.Sdk</c> span of each HTTP attempt of a hosted client. It sits inside the
/// resilience handler, so each retry is its own span, numbered by <c>tokenlay.attempt</c>.
/// </summary>
internal sealed class TokenlayAttemptSpanHandler : DelegatingHandler
{
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
