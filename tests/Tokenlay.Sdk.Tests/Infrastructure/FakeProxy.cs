using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Tokenlay.Tests.Infrastructure;

/// <summary>A request as the fake proxy received it.</summary>
public sealed record RecordedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out string? value) ? value : null;
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 with a free port that stands in for the Tokenlay proxy:
/// it records every request and answers with whatever the test's handler writes.
/// </summary>
public sealed class FakeProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private int _openConnections;
    private int _connectionsOpened;

    private FakeProxy(WebApplication app)
    {
        _app = app;
    }

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => _requests.ToArray();

    public int RequestCount => _requests.Count;

    public RecordedRequest LastRequest => _requests.Last();

    /// <summary>TCP connections open right now: leaked responses keep theirs busy, so new calls open more.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>TCP connections opened since start.</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    public static async Task<FakeProxy> StartAsync(Func<HttpContext, RecordedRequest, Task> handler)
    {
        FakeProxy? proxy = null;
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Use(next => async connection =>
        {
            Interlocked.Increment(ref proxy!._openConnections);
            Interlocked.Increment(ref proxy._connectionsOpened);
            try
            {
                await next(connection);
            }
            finally
            {
                Interlocked.Decrement(ref proxy._openConnections);
            }
        })));
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var recorded = new RecordedRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "", headers, body);
            proxy!._requests.Enqueue(recorded);
            await handler(context, recorded);
        });
        proxy = new FakeProxy(app);
        await app.StartAsync();
        proxy.BaseUrl = new Uri(app.Urls.First());
        return proxy;
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
