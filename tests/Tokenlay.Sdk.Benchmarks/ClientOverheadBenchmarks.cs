using BenchmarkDotNet.Attributes;
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
        var clients = new BenchmarkClients();
        (_raw, _rawPlusHeaders, _tokenlay) = (clients.Raw, clients.RawPlusHeaders, clients.Tokenlay);
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
}
