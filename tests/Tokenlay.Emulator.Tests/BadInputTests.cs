using System.Net;
using System.Text.Json.Nodes;

namespace Tokenlay.Emulator.Tests;

public class BadInputTests
{
    private static async Task<(HttpStatusCode Status, JsonNode Error)> Post(TokenlayEmulator emulator, string path, string body, string? key = null)
    {
        using HttpClient http = Emu.Http(emulator, key);
        HttpResponseMessage response = await http.PostAsync(path, Emu.Json(body));
        JsonNode json = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.StartsWith("req_", response.Headers.GetValues("x-tokenlay-request-id").Single()); // refusals carry a request id too
        Assert.Equal("tokenlay", response.Headers.GetValues("x-tokenlay-error-source").Single());
        return (response.StatusCode, json["error"]!);
    }

    [Theory]
    [InlineData("{\"model\":", "invalid_json", null)]
    [InlineData("[1,2]", "invalid_json", null)]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "missing_required_parameter", "model")]
    [InlineData("""{"model":"","messages":[{"role":"user","content":"hi"}]}""", "missing_required_parameter", "model")]
    [InlineData("""{"model":"gpt-4o"}""", "missing_required_parameter", "messages")]
    [InlineData("""{"model":"gpt-4o","messages":[]}""", "invalid_value", "messages")]
    [InlineData("""{"model":"gpt-4o","messages":[{"content":"no role"}]}""", "invalid_value", "messages[0].role")]
    public async Task Malformed_chat_requests_get_a_400_in_the_openai_shape(string body, string code, string? param)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        (HttpStatusCode status, JsonNode error) = await Post(emulator, "/v1/chat/completions", body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(code, (string?)error["code"]);
        Assert.Equal(param, (string?)error["param"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
    }

    [Fact]
    public async Task Embeddings_and_responses_need_input()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        Assert.Equal("input", (string?)(await Post(emulator, "/v1/embeddings", """{"model":"text-embedding-3-small"}""")).Error["param"]);
        Assert.Equal("input", (string?)(await Post(emulator, "/v1/responses", """{"model":"gpt-4o"}""")).Error["param"]);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_the_emulator_keeps_serving()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.MaxRequestBodyBytes = 1024);
        string big = $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{new string('x', 4096)}}"}]}""";

        (HttpStatusCode status, JsonNode error) = await Post(emulator, "/v1/chat/completions", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", (string?)error["code"]);
        await Emu.Chat(emulator).CompleteChatAsync("still alive?");
    }

    [Fact]
    public async Task A_wrong_or_missing_key_gets_401_and_the_sdk_throws_the_authentication_exception()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        (HttpStatusCode status, JsonNode error) = await Post(emulator, "/v1/chat/completions", "{}", key: "wrong-key");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("invalid_api_key", (string?)error["code"]);
        Assert.DoesNotContain("wrong-key", error.ToJsonString());

        var sdkError = await Assert.ThrowsAsync<TokenlayAuthenticationException>(() =>
            Emu.Chat(emulator, configure: o => o.TokenlayKey = "tl_wrong_key_123456").CompleteChatAsync("hi"));
        Assert.Equal(TokenlayErrorSource.Tokenlay, sdkError.ErrorSource);
        Assert.DoesNotContain("tl_wrong_key_123456", sdkError.ToString());
    }

    [Fact]
    public async Task Unknown_paths_get_404_in_the_openai_shape_and_health_needs_no_key()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);
        using var anonymous = new HttpClient { BaseAddress = emulator.BaseUrl };

        HttpResponseMessage missing = await http.GetAsync("/v1/does-not-exist");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("unknown_route", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["code"]);
        Assert.Equal("tokenlay", missing.Headers.GetValues("x-tokenlay-error-source").Single());
        HttpResponseMessage badLimit = await http.GetAsync("/v1/logs?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("tokenlay", badLimit.Headers.GetValues("x-tokenlay-error-source").Single());

        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/v1/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/usage")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_companion_api()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseUrl };

        JsonNode document = JsonNode.Parse(await http.GetStringAsync("/openapi/v1.json"))!;

        JsonObject paths = document["paths"]!.AsObject();
        foreach (string path in new[] { "/v1/usage", "/v1/logs", "/v1/logs/{id}", "/v1/pricing", "/v1/chat/completions", "/v1/embeddings",
            "/v1/check", "/v1/usage/records", "/v1/reservations", "/v1/reservations/{id}", "/v1/reservations/{id}/commit", "/v1/completions", "/v1/moderations", "/v1/responses/{id}" })
        {
            Assert.True(paths.ContainsKey(path), path);
        }
        Assert.NotNull(paths["/v1/pricing"]!["put"]);
        Assert.NotNull(paths["/v1/pricing"]!["delete"]);
    }

    [Fact]
    public async Task A_hundred_bad_requests_in_parallel_never_take_the_emulator_down()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        string[] bodies = ["{", "null", "\"text\"", """{"model":5}""", """{"model":"m","messages":"x"}""", """{"model":"m","messages":[null]}"""];

        HttpStatusCode[] statuses = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            using HttpClient http = Emu.Http(emulator);
            return (await http.PostAsync("/v1/chat/completions", Emu.Json(bodies[i % bodies.Length]))).StatusCode;
        }));

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.BadRequest, s));
        await Emu.Chat(emulator).CompleteChatAsync("fine");
    }
}
