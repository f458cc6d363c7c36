using System.ClientModel.Primitives;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

/// <summary>Failures that a retry cannot clear are not retried.</summary>
public class PermanentFailureTests
{
    /// <summary>Counts the attempts that leave the client, whatever happens to them.</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        public int Attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Attempts);
            return base.SendAsync(request, cancellationToken);
        }
    }

    private static OpenAI.OpenAIClient Client(Uri baseUrl, CountingHandler counter) => TokenlayOpenAIClient.Create(
        new TokenlayOptions { TokenlayKey = TestKeys.Tokenlay, TokenlayBaseUrl = baseUrl, MaxRetries = 3, InitialRetryDelay = TimeSpan.FromMilliseconds(10) },
        o => o.Transport = new HttpClientPipelineTransport(new HttpClient(counter)));

    [Fact]
    public async Task A_tls_handshake_against_a_plain_http_port_is_attempted_once()
    {
        await using FakeProxy plain = await FakeProxy.StartAsync((context, _) => OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion("ok")));
        var counter = new CountingHandler();

        var error = await Assert.ThrowsAsync<TokenlayConnectionException>(() =>
            Client(new Uri($"https://127.0.0.1:{plain.BaseUrl.Port}"), counter).GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(1, counter.Attempts);
        Assert.Contains("not retried", error.Message);
    }

    [Fact]
    public async Task A_host_that_does_not_resolve_is_attempted_once()
    {
        var counter = new CountingHandler();

        var error = await Assert.ThrowsAsync<TokenlayConnectionException>(() =>
            Client(new Uri("https://tokenlay-test-host.invalid"), counter).GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(1, counter.Attempts);
        Assert.Contains("not retried", error.Message);
    }

    [Fact]
    public async Task A_refused_connection_is_still_retried()
    {
        int port = ClosedPort.Get();
        var counter = new CountingHandler();

        await Assert.ThrowsAsync<TokenlayConnectionException>(() =>
            Client(new Uri($"http://127.0.0.1:{port}"), counter).GetChatClient("m").CompleteChatAsync("hi"));

        Assert.Equal(4, counter.Attempts);
    }
}
