using OpenAI.Chat;
using Tokenlay.Tests.Infrastructure;

namespace Tokenlay.Tests;

public class AttributionStressTests
{
    [Fact]
    public async Task Ten_thousand_calls_across_200_users_with_random_nested_scopes_are_each_attributed_correctly()
    {
        // The proxy echoes the attribution it received; each caller checks it against what its own
        // nesting should produce (inner beats outer, key by key).
        await using FakeProxy proxy = await FakeProxy.StartAsync((context, request) =>
            OpenAIReplies.WriteJsonAsync(context, OpenAIReplies.ChatCompletion(
                $"{request.Header("x-tokenlay-user")}|{request.Header("x-tokenlay-org")}|{request.Header("x-tokenlay-feature")}")));
        ChatClient chat = TestKeys.Client(proxy, o => o.Metadata["feature"] = "default").GetChatClient("m");
        const int Calls = 10_000, Users = 200;
        using var gate = new SemaphoreSlim(64); // bounded: at most 64 calls in flight
        int mismatches = 0;

        async Task Call(int i)
        {
            var random = new Random(i);
            string user = "user-" + (i % Users);
            string expectedOrg = "org-" + (i % 17);
            string expectedFeature = "default";
            string expectedUser = user;
            await gate.WaitAsync();
            try
            {
                var scopes = new List<IDisposable> { TokenlayScope.Begin(new TokenlayRequestContext { User = user, Org = expectedOrg }) };
                int depth = random.Next(0, 3);
                for (int d = 0; d < depth; d++)
                {
                    await Task.Yield(); // interleave with other calls between scopes
                    if (random.Next(2) == 0)
                    {
                        expectedFeature = $"f{i}-{d}";
                        scopes.Add(TokenlayScope.Begin(new TokenlayRequestContext { Feature = expectedFeature }));
                    }
                    else
                    {
                        expectedUser = $"{user}-delegate{d}";
                        scopes.Add(TokenlayScope.Begin(new TokenlayRequestContext { User = expectedUser }));
                    }
                }
                ChatCompletion reply = await chat.CompleteChatAsync("hi");
                if (reply.Content[0].Text != $"{expectedUser}|{expectedOrg}|{expectedFeature}")
                {
                    Interlocked.Increment(ref mismatches);
                }
                for (int s = scopes.Count - 1; s >= 0; s--)
                {
                    scopes[s].Dispose();
                }
            }
            finally
            {
                gate.Release();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Calls).Select(i => Task.Run(() => Call(i))));

        Assert.Equal(0, mismatches);
        Assert.Equal(Calls, proxy.RequestCount);
        Assert.Equal(Users, proxy.Requests.Select(r => r.Header("x-tokenlay-user")!.Split("-delegate")[0]).Distinct().Count());
    }
}
