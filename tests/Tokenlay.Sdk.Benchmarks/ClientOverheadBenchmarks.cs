using System.ClientModel;
using System.ClientModel.Primitives;
using BenchmarkDotNet.Attributes;
using OpenAI;
using OpenAI.Chat;

namespace Tokenlay.Benchmarks;

/// <summary>
/// (i) Pure client cost: the same chat completion through the raw OpenAI client and through
/// TokenlayOpenAIClient, over an in-memory handler (no sockets), so any difference is ours.
/// </summary>
[MemoryDiagnoser]
public class ClientOverheadBenchmarks
{
    private static readonly ChatMessage[] Messages = [new UserChatMessage("Hello!")];
    private ChatClient _raw = null!;
    private ChatClient _rawPlusHeaders = null!;
    private ChatClient _tokenlay = null!;
    private readonly TokenlayRequestContext _oneScope = new() { User = "user_123" };
    private readonly TokenlayRequestContext _outer = new()
    {
        User = "user_123", Org = "org_9", Plan = "pro",
        Metadata = { ["region"] = "eu", ["tenant"] = "t1", ["app"] = "web", ["tier"] = "gold", ["team"] = "core" },
    };
    private readonly TokenlayRequestContext _inner = new()
    {
        Project = "bot", Feature = "summarize",
        Metadata = { ["session"] = "s-42", ["experiment"] = "b", ["locale"] = "fr-FR" },
    };

    [GlobalSetup]
    public void Setup()
    {
        var transport = new HttpClientPipelineTransport(new HttpClient(new CannedHandler()));
        _raw = new OpenAIClient(new ApiKeyCredential("sk-raw"), new OpenAIClientOptions { Endpoint = new Uri("https://api.tokenlay.com/v1"), Transport = transport })
            .GetChatClient("gpt-4o-mini");
        // Control: the raw client sending the same four extra headers with no logic at all, to tell
        // the cost of our code from the cost of the headers themselves.
        var withHeaders = new OpenAIClientOptions { Endpoint = new Uri("https://api.tokenlay.com/v1"), Transport = transport };
        withHeaders.AddPolicy(new StaticHeadersPolicy(), PipelinePosition.PerCall);
        _rawPlusHeaders = new OpenAIClient(new ApiKeyCredential("sk-raw"), withHeaders).GetChatClient("gpt-4o-mini");
        _tokenlay = TokenlayOpenAIClient.Create(
                new TokenlayOptions { TokenlayKey = "tl_bench", ProviderApiKey = "sk-bench", Metadata = { ["project"] = "bench" } },
                o => o.Transport = transport)
            .GetChatClient("gpt-4o-mini");
    }

    [Benchmark(Baseline = true)]
    public async Task<ChatCompletion> Raw() => await _raw.CompleteChatAsync(Messages);

    [Benchmark]
    public async Task<ChatCompletion> Raw_PlusFourStaticHeaders() => await _rawPlusHeaders.CompleteChatAsync(Messages);

    [Benchmark]
    public async Task<ChatCompletion> Tokenlay_NoScope() => await _tokenlay.CompleteChatAsync(Messages);

    [Benchmark]
    public async Task<ChatCompletion> Tokenlay_OneScope()
    {
        using (TokenlayScope.Begin(_oneScope))
        {
            return await _tokenlay.CompleteChatAsync(Messages);
        }
    }

    [Benchmark]
    public async Task<ChatCompletion> Tokenlay_NestedScopes_TenMetadata()
    {
        using (TokenlayScope.Begin(_outer))
        using (TokenlayScope.Begin(_inner))
        {
            return await _tokenlay.CompleteChatAsync(Messages);
        }
    }

    [Benchmark]
    public async Task<TokenlayResponseInfo> Tokenlay_NoScope_ReadInfo() => (await _tokenlay.CompleteChatAsync(Messages)).GetTokenlayInfo();

    internal sealed class StaticHeadersPolicy : PipelinePolicy
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
