using System.Net;
using System.Text;

namespace Tokenlay.Benchmarks;

/// <summary>Bodies and an in-memory handler that answers every request with them, no network.</summary>
internal static class Canned
{
    public const string ChatCompletion = """
        {"id":"chatcmpl-b","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how can I help?"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":9,"completion_tokens":7,"total_tokens":16}}
        """;

    public static readonly byte[] ChatCompletionBytes = Encoding.UTF8.GetBytes(ChatCompletion);

    public static string Chunk(string text) =>
        "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n";
}

/// <summary>Returns the canned completion with Tokenlay's headers, as the proxy would.</summary>
internal sealed class CannedHandler : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(Create());

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) => Create();

    private static HttpResponseMessage Create()
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(Canned.ChatCompletionBytes),
        };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        response.Headers.Add("x-tokenlay-request-id", "req_bench");
        response.Headers.Add("x-tokenlay-cost", "0.0000051");
        return response;
    }
}
