using OpenAI.Chat;

namespace Tokenlay.Emulator.Tests.Fidelity;

/// <summary>Issue 25, item 3: a stream's OnResponse runs when the caller has had the last update, not when the summary is read ahead.</summary>
public class StreamCallbackTimingTests
{
    [Fact]
    public async Task On_response_runs_after_the_caller_received_the_last_update_of_a_summarised_stream()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        int received = 0;
        int? receivedWhenReported = null;
        TokenlayResponseInfo? info = null;
        ChatClient chat = Emu.Chat(emulator, configure: o => o.OnResponse = i =>
        {
            receivedWhenReported = received;
            info = i;
        });

        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("Stream a short greeting with several words in it"))
        {
            if (update.ContentUpdate.Count > 0)
            {
                Assert.Null(receivedWhenReported); // nothing reported while updates are still arriving
                received++;
            }
        }

        Assert.True(received > 3, $"the stream should have several content updates, had {received}");
        Assert.Equal(received, receivedWhenReported);
        Assert.NotNull(info?.CostUsd);
    }

    [Fact]
    public async Task On_response_runs_when_the_caller_stops_reading_early()
    {
        await using TokenlayEmulator emulator = await Emu.StartAsync();
        int reports = 0;
        ChatClient chat = Emu.Chat(emulator, configure: o => o.OnResponse = _ => reports++);

        await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync("Stream a short greeting with several words in it"))
        {
            if (update.ContentUpdate.Count > 0)
            {
                break;
            }
        }

        Assert.Equal(1, reports);
    }
}
