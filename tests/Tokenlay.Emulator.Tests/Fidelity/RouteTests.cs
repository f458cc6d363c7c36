using System.Net;
using System.Text.Json.Nodes;
using OpenAI.Moderations;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 5: the routes the OpenAI SDKs call exist, and a wrong method is 405.</summary>
public class RouteTests
{
    [Fact]
    public async Task Legacy_completions_answer_and_are_metered()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode reply = JsonNode.Parse(await (await http.PostAsync("/v1/completions", Emu.Json("""{"model":"gpt-3.5-turbo-instruct","prompt":"say hi"}"""))).Content.ReadAsStringAsync())!;

        Assert.Equal("text_completion", (string?)reply["object"]);
        Assert.Contains("say hi", (string?)reply["choices"]![0]!["text"]);
        var entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal("completions", entry.Endpoint);
        Assert.True(entry.CostUsd > 0);
    }

    [Fact]
    public async Task Moderations_answer_through_the_official_client()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ModerationClient moderation = Emu.Sdk(emulator).GetModerationClient("omni-moderation-latest");

        ModerationResult result = (await moderation.ClassifyTextAsync("a friendly message")).Value;

        Assert.False(result.Flagged);
        Assert.Equal("moderations", Assert.Single(emulator.Store.Snapshot()).Endpoint);
    }

    [Theory]
    [InlineData("GET", "/v1/chat/completions", "POST")]
    [InlineData("PUT", "/v1/embeddings", "POST")]
    [InlineData("POST", "/v1/models", "GET")]
    [InlineData("PATCH", "/v1/pricing", "DELETE, GET, PUT")]
    public async Task A_wrong_method_on_a_known_route_is_405_with_allow(string method, string path, string allow)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/no-such-thing")).StatusCode);
    }
}
