using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace Tokenlay.Benchmarks;

/// <summary>The clients every in-memory benchmark compares, built one way over one transport.</summary>
internal sealed class BenchmarkClients
{
    private static readonly Uri Endpoint = new("https://api.tokenlay.com/v1");

    public BenchmarkClients()
    {
        var transport = new HttpClientPipelineTransport(new HttpClient(new CannedHandler()));
        Transport = transport;
        Raw = new OpenAIClient(new ApiKeyCredential("sk-raw"), new OpenAIClientOptions { Endpoint = Endpoint, Transport = transport })
            .GetChatClient("gpt-4o-mini");

        // Control: the raw client sending the same four extra headers with no logic at all, to tell
        // the cost of our code from the cost of the headers themselves.
        var withHeaders = new OpenAIClientOptions { Endpoint = Endpoint, Transport = transport };
        withHeaders.AddPolicy(new StaticHeadersPolicy(), PipelinePosition.PerCall);
        RawPlusHeaders = new OpenAIClient(new ApiKeyCredential("sk-raw"), withHeaders).GetChatClient("gpt-4o-mini");

        Tokenlay = TokenlayOpenAIClient.Create(
                new TokenlayOptions { TokenlayKey = "tl_bench", ProviderApiKey = "sk-bench", Metadata = { ["project"] = "bench" } },
                o => o.Transport = transport)
            .GetChatClient("gpt-4o-mini");
    }

    /// <summary>The one in-memory transport every client here sends through.</summary>
    public PipelineTransport Transport { get; }

    public ChatClient Raw { get; }

    public ChatClient RawPlusHeaders { get; }

    public ChatClient Tokenlay { get; }

    private sealed class StaticHeadersPolicy : PipelinePolicy
    {
        private static void Set(PipelineMessage message)
        {
            message.Request.Headers.Set("x-tokenlay-project", "bench");
            message.Request.Headers.Set("x-tokenlay-provider-key", "sk-bench");
            message.Request.Headers.Set("x-tokenlay-provider-base", "https://api.openai.com/v1");
            message.Request.Headers.Set("x-tokenlay-idempotency-key", "tl-constant-1");
        }

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Set(message);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            Set(message);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
