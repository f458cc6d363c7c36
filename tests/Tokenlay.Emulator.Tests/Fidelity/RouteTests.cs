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

/// <summary>Issue 11, item 4: a model the emulator does not know is 404 model_not_found for every route, as the provider answers.</summary>
public class UnknownModelTests
{
    [Fact]
    public async Task An_unknown_model_is_404_on_chat_as_on_the_models_route_and_extra_models_are_served()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.ExtraModels = ["my-finetune"]);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage chat = await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"gpt-9-imaginary","messages":[{"role":"user","content":"hi"}]}"""));
        HttpResponseMessage model = await http.GetAsync("/v1/models/gpt-9-imaginary");

        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, model.StatusCode);
        Assert.Equal("model_not_found", (string?)JsonNode.Parse(await chat.Content.ReadAsStringAsync())!["error"]!["code"]);
        Assert.False(Assert.Single(emulator.Store.Snapshot()).Counted);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"my-finetune","messages":[{"role":"user","content":"hi"}]}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models/my-finetune")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models/gpt-4o-2024-08-06")).StatusCode); // a dated snapshot of a known model
        await http.PutAsync("/v1/pricing", Emu.Json("""{"openai": {"gpt-9-imaginary": {"input": 1, "output": 1}}}"""));
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"gpt-9-imaginary","messages":[{"role":"user","content":"hi"}]}"""))).StatusCode);
    }
}

/// <summary>Issue 25, item 8: the emulator serves exactly the price table's ids and the snapshots it lists, not names that start with one.</summary>
public class ServedModelTests
{
    private static Task<HttpResponseMessage> Chat(HttpClient http, string model) =>
        http.PostAsync("/v1/chat/completions", Emu.Json($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}"""));

    [Theory]
    [InlineData("gpt-5-turbo-nonexistent")]
    [InlineData("gpt-4o-mini-imaginary")]
    [InlineData("claude-sonnet-4-5-fake")]
    public async Task A_made_up_model_that_starts_with_a_known_name_is_404_model_not_found(string model)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage chat = await Chat(http, model);
        HttpResponseMessage route = await http.GetAsync("/v1/models/" + model);

        Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
        Assert.Equal("model_not_found", (string?)JsonNode.Parse(await chat.Content.ReadAsStringAsync())!["error"]!["code"]);
        Assert.Equal(HttpStatusCode.NotFound, route.StatusCode);
    }

    [Theory]
    [InlineData("gpt-5")]
    [InlineData("gpt-4o-mini-2024-07-18")]
    [InlineData("claude-sonnet-4-5-20250929")]
    [InlineData("mistral-large-latest")]
    public async Task A_listed_id_or_dated_snapshot_is_served_listed_and_priced(string model)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage chat = await Chat(http, model);
        string models = await http.GetStringAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        Assert.Contains($"\"id\":\"{model}\"", models);
        Assert.NotNull(Assert.Single(emulator.Store.Snapshot()).CostUsd);
    }
}
