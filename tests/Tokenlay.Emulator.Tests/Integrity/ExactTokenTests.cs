using System.Text.Json.Nodes;
using Tokenlay.Emulator.Metering;

namespace Tokenlay.Emulator.Tests.Integrity;

/// <summary>Issue 10: token counts are the model's own tokenizer's, not a characters-per-token rule of thumb.</summary>
public class ExactTokenTests
{
    // OpenAI's tiktoken documentation encodes "tiktoken is great!" as 6 cl100k_base tokens.
    private const string Phrase = "tiktoken is great!";

    [Fact]
    public async Task Embedding_input_is_counted_with_cl100k()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode reply = JsonNode.Parse(await (await http.PostAsync("/v1/embeddings", Emu.Json($$"""{"model":"text-embedding-3-small","input":"{{Phrase}}"}"""))).Content.ReadAsStringAsync())!;

        Assert.Equal(6, (int)reply["usage"]!["prompt_tokens"]!);
        Assert.Equal("counted", Assert.Single(emulator.Store.Snapshot()).UsageSource);
    }

    [Fact]
    public async Task Chat_prompts_add_openais_per_message_overhead()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        JsonNode reply = JsonNode.Parse(await (await http.PostAsync("/v1/chat/completions",
            Emu.Json($$"""{"model":"gpt-4","messages":[{"role":"user","content":"{{Phrase}}"}]}"""))).Content.ReadAsStringAsync())!;

        // 3 to prime the reply + 3 for the message + "user" (1) + the content (6).
        Assert.Equal(13, (int)reply["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task Other_providers_models_are_estimated_and_marked_so()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        using HttpClient http = Emu.Http(emulator);

        await http.PostAsync("/v1/chat/completions", Emu.Json("""{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"}]}"""));

        CallLogEntry entry = Assert.Single(emulator.Store.Snapshot());
        Assert.Equal("estimated", entry.UsageSource);
    }
}
