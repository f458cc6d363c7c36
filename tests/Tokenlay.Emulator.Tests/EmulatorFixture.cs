using System.Net.Http.Headers;
using System.Text;
using OpenAI;
using OpenAI.Chat;
using Tokenlay.Emulator.Rules;

namespace Tokenlay.Emulator.Tests;

/// <summary>Helpers shared by the emulator tests: each test starts its own emulator on a free port.</summary>
internal static class Emu
{
    public static Task<TokenlayEmulator> StartAsync(string? rulesJson = null, Action<TokenlayEmulatorOptions>? configure = null)
    {
        var options = new TokenlayEmulatorOptions();
        if (rulesJson is not null)
        {
            options.Rules = RuleSet.Parse(rulesJson);
        }
        configure?.Invoke(options);
        return TokenlayEmulator.StartAsync(options);
    }

    public static OpenAIClient Sdk(TokenlayEmulator emulator, Action<TokenlayOptions>? configure = null)
    {
        TokenlayOptions options = emulator.CreateClientOptions();
        options.MaxRetries = 0;
        configure?.Invoke(options);
        return TokenlayOpenAIClient.Create(options);
    }

    public static ChatClient Chat(TokenlayEmulator emulator, string model = "gpt-4o-mini", Action<TokenlayOptions>? configure = null) =>
        Sdk(emulator, configure).GetChatClient(model);

    /// <summary>
    /// A raw client. It never drains an unread answer to reuse the connection, so disposing a
    /// response mid-stream really hangs up, as a browser tab or a killed process does.
    /// </summary>
    public static HttpClient Http(TokenlayEmulator emulator, string? key = null)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = emulator.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key ?? emulator.Key);
        return http;
    }

    /// <summary>The command-line tool's dll, built by the project reference (its path is stamped into this assembly).</summary>
    public static string ToolPath => typeof(Emu).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "TokenlayToolPath").Value!;

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<System.ClientModel.ClientResult<ChatCompletion>> AsUser(ChatClient chat, string user, string prompt = "hi")
    {
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = user }))
        {
            return await chat.CompleteChatAsync(prompt);
        }
    }
}
