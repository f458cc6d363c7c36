using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Tokenlay.Emulator.Upstream;

/// <summary>Where calls go after admission: the simulated provider or a real one.</summary>
internal interface IProvider
{
    /// <summary>Sends a non-streaming call and returns the whole reply.</summary>
    Task<UpstreamReply> CompleteAsync(ProxyRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Sends a streaming call, relaying each event to <paramref name="response"/> as it comes and
    /// recording what was relayed in <paramref name="progress"/>. On a provider error nothing is
    /// written and the reply carries the error body instead.
    /// </summary>
    Task<UpstreamReply> StreamAsync(ProxyRequest request, HttpResponse response, StreamProgress progress, CancellationToken cancellationToken);
}
