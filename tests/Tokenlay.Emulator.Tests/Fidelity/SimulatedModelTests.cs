using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI.Chat;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 11, item 3: the simulated model honours the request options that shape its answer.</summary>
public class SimulatedModelTests
{
    private const string WeatherSchema = """
        { "type": "object", "additionalProperties": false, "required": ["city", "unit", "days"],
          "properties": { "city": { "type": "string" }, "unit": { "type": "string", "enum": ["celsius", "fahrenheit"] },
                          "days": { "type": "integer", "minimum": 1 } } }
        """;

    [Fact]
    public async Task A_json_schema_answer_is_an_instance_of_the_schema_through_the_official_client()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("weather", BinaryData.FromString(WeatherSchema), jsonSchemaIsStrict: true),
        };

        ChatCompletion reply = await chat.CompleteChatAsync(["What is the weather in Oslo?"], options);

        using JsonDocument json = JsonDocument.Parse(reply.Content[0].Text);
        Assert.Equal(JsonValueKind.String, json.RootElement.GetProperty("city").ValueKind);
        Assert.Equal("celsius", json.RootElement.GetProperty("unit").GetString());
        Assert.True(json.RootElement.GetProperty("days").GetInt32() >= 1);
    }

    [Fact]
    public async Task A_json_object_answer_is_a_json_object_and_so_is_a_responses_text_format()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode chat = JsonNode.Parse(await (await http.PostAsync("/v1/chat/completions",
            Emu.Json("""{"model":"gpt-4o","response_format":{"type":"json_object"},"messages":[{"role":"user","content":"json please"}]}"""))).Content.ReadAsStringAsync())!;
        JsonNode responses = JsonNode.Parse(await (await http.PostAsync("/v1/responses",
            Emu.Json("""{"model":"gpt-4o","input":"weather","text":{"format":{"type":"json_schema","name":"w","schema":""" + WeatherSchema + "}}}"))).Content.ReadAsStringAsync())!;

        Assert.IsType<JsonObject>(JsonNode.Parse((string)chat["choices"]![0]!["message"]!["content"]!));
        JsonNode structured = JsonNode.Parse((string)responses["output"]![0]!["content"]![0]!["text"]!)!;
        Assert.Equal("celsius", (string?)structured["unit"]);
    }

    [Fact]
    public async Task N_choices_are_returned_and_billed()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode one = JsonNode.Parse(await (await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}"""))).Content.ReadAsStringAsync())!;
        JsonNode three = JsonNode.Parse(await (await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"gpt-4o","n":3,"messages":[{"role":"user","content":"hi"}]}"""))).Content.ReadAsStringAsync())!;

        Assert.Equal([0, 1, 2], three["choices"]!.AsArray().Select(c => (int)c!["index"]!));
        Assert.Equal(3 * (int)one["usage"]!["completion_tokens"]!, (int)three["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Log_probabilities_come_back_when_asked_for()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        ChatClient chat = Emu.Chat(emulator, "gpt-4o");

        ChatCompletion reply = await chat.CompleteChatAsync(["hi"], new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = 2 });

        Assert.NotEmpty(reply.ContentTokenLogProbabilities);
        Assert.Equal(reply.Content[0].Text, string.Concat(reply.ContentTokenLogProbabilities.Select(t => t.Token)));
        Assert.All(reply.ContentTokenLogProbabilities, t => Assert.Equal(2, t.TopLogProbabilities.Count));
    }
}
