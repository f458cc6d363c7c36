using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10, items 5 and 6: every hostile body gets a 4xx naming the parameter, never a 500; OpenAI's caps apply.</summary>
public class HostileInputTests
{
    private static async Task<(HttpStatusCode Status, JsonNode? Error)> PostBytes(TokenlayEmulator emulator, string path, byte[] body, Action<HttpRequestMessage>? configure = null)
    {
        using HttpClient http = Emu.Http(emulator);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        configure?.Invoke(request);
        HttpResponseMessage response = await http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? null : JsonNode.Parse(text)?["error"]);
    }

    private static Task<(HttpStatusCode Status, JsonNode? Error)> Post(TokenlayEmulator emulator, string path, string body, Action<HttpRequestMessage>? configure = null) =>
        PostBytes(emulator, path, Encoding.UTF8.GetBytes(body), configure);

    [Theory]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":5,"content":"hi"}]}""", "messages[0].role")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":["hi"]}]}""", "messages[0].content[0]")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":[1,2]}]}""", "messages[0].content[0]")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":[["a"]]}]}""", "messages[0].content[0]")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":{"text":"hi"}}]}""", "messages[0].content")]
    [InlineData("/v1/responses", """{"model":"gpt-4o","input":["hi"]}""", "input[0]")]
    [InlineData("/v1/responses", """{"model":"gpt-4o","input":5}""", "input")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","stream":true,"stream_options":"x","messages":[{"role":"user","content":"hi"}]}""", "stream_options")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","stream":"yes","messages":[{"role":"user","content":"hi"}]}""", "stream")]
    [InlineData("/v1/chat/completions", "{\"model\":\"gpt\\r\\n4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "model")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","n":129,"messages":[{"role":"user","content":"hi"}]}""", "n")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","max_tokens":-1,"messages":[{"role":"user","content":"hi"}]}""", "max_tokens")]
    [InlineData("/v1/chat/completions", """{"model":"gpt-4o","tools":[1],"messages":[{"role":"user","content":"hi"}]}""", "tools")]
    [InlineData("/v1/embeddings", """{"model":"text-embedding-3-small","input":"x","dimensions":10000000}""", "dimensions")]
    [InlineData("/v1/embeddings", """{"model":"text-embedding-3-small","input":"x","dimensions":0}""", "dimensions")]
    [InlineData("/v1/embeddings", """{"model":"text-embedding-3-small","input":[{"a":1}]}""", "input[0]")]
    public async Task Hostile_bodies_get_a_400_naming_the_parameter(string path, string body, string param)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();

        (HttpStatusCode status, JsonNode? error) = await Post(emulator, path, body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(param, (string?)error?["param"]);
        Assert.Equal("invalid_request_error", (string?)error?["type"]);
    }

    [Fact]
    public async Task Invalid_utf8_and_duplicate_properties_get_a_400()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        byte[] invalid = [.. Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\""), 0xff, 0xfe, .. Encoding.UTF8.GetBytes("\"}]}")];

        Assert.Equal(HttpStatusCode.BadRequest, (await PostBytes(emulator, "/v1/chat/completions", invalid)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Post(emulator, "/v1/chat/completions",
            """{"model":"gpt-4o","model":"o3","messages":[{"role":"user","content":"hi"}]}""")).Status);
    }

    [Fact]
    public async Task Embeddings_are_capped_at_2048_inputs()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        string inputs = string.Join(",", Enumerable.Repeat("\"x\"", 2049));

        (HttpStatusCode status, JsonNode? error) = await Post(emulator, "/v1/embeddings", $$"""{"model":"text-embedding-3-small","input":[{{inputs}}]}""");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("input", (string?)error?["param"]);
        Assert.Equal(HttpStatusCode.OK, (await Post(emulator, "/v1/embeddings", """{"model":"text-embedding-3-small","input":"x","dimensions":3072}""")).Status);
    }

    [Fact]
    public async Task A_model_name_with_non_ascii_letters_is_served_and_its_header_is_percent_encoded()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.ExtraModels = ["modèle-ü"]);
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"modèle-ü","messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mod%C3%A8le-%C3%BC", response.Headers.GetValues("x-tokenlay-model").Single());
    }

    [Fact]
    public async Task A_rule_id_with_non_ascii_letters_is_encoded_in_headers_and_one_with_a_line_break_is_refused_at_load()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync("""[{ "id": "règle", "if": {}, "then": { "action": "warn" } }]""");
        using HttpClient http = Emu.Http(emulator);

        HttpResponseMessage response = await Calls.ChatAsync(http, "hi");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("r%C3%A8gle", response.Headers.GetValues("x-tokenlay-rule-id").Single());
        var error = Assert.Throws<RulesFileException>(() => RuleSet.Parse("""[{ "id": "a\r\nb", "if": {}, "then": {} }]"""));
        Assert.Contains("id", error.Message);
    }

    [Theory]
    [InlineData("ftp://example.com/v1")]
    [InlineData("not a url")]
    [InlineData("http://[::1")]
    public async Task Forward_mode_refuses_a_provider_base_that_is_not_an_http_url(string providerBase)
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.Forward = true);

        (HttpStatusCode status, JsonNode? error) = await Post(emulator, "/v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", r =>
        {
            r.Headers.Add("x-tokenlay-provider-key", "sk-test");
            r.Headers.TryAddWithoutValidation("x-tokenlay-provider-base", providerBase);
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("x-tokenlay-provider-base", (string?)error?["param"]);
    }

    [Fact]
    public async Task A_body_that_trickles_in_gets_408()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync(configure: o => o.RequestBodyTimeout = TimeSpan.FromSeconds(1));
        using HttpClient http = Emu.Http(emulator);
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new TrickleContent() };

        HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestTimeout, response.StatusCode);
        Assert.Equal("request_timeout", await Calls.ErrorCodeAsync(response));
    }

    /// <summary>A body that sends one byte and then waits longer than the emulator will.</summary>
    private sealed class TrickleContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync("{"u8.ToArray());
            await stream.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
                await stream.WriteAsync("}"u8.ToArray());
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // the emulator answered 408 and closed the connection: expected
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
