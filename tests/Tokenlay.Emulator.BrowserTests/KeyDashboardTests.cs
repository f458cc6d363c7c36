using Microsoft.Playwright;
using OpenAI;
using Tokenlay.Companion;

namespace Tokenlay.Emulator.BrowserTests;

/// <summary>Issue 22: the dashboard lists connected customer keys (hint, status, last use) and never a secret.</summary>
[Collection(BrowserCollection.Name)]
public class KeyDashboardTests(DashboardBrowser browser)
{
    private const string Secret = "sk-or-v1-browser-secret-7f3a";

    [Fact]
    public async Task Connected_keys_are_listed_with_their_hint_status_and_last_use_and_the_page_never_holds_the_secret()
    {
        await using TokenlayEmulator emulator = await TokenlayEmulator.StartAsync();
        TokenlayOptions options = emulator.CreateClientOptions();
        var tokenlay = new TokenlayClient(options);
        TokenlayConnectedKey acme = await tokenlay.Keys.ConnectAsync(
            new TokenlayKeyConnection("acme", TokenlayKeyProvider.OpenAICompatible, Secret) { BaseUrl = new Uri("https://openrouter.ai/api/v1"), Label = "OpenRouter" });
        TokenlayConnectedKey globex = await tokenlay.Keys.ConnectAsync(new TokenlayKeyConnection("globex", TokenlayKeyProvider.OpenAI, "sk-globex-secret-0042"));
        await tokenlay.Keys.RevokeAsync(globex.Id);
        OpenAIClient client = TokenlayOpenAIClient.Create(options);
        using (TokenlayScope.Begin(new TokenlayRequestContext { User = "alice", KeyRef = "acme" }))
        {
            await client.GetChatClient("gpt-4o-mini").CompleteChatAsync("hello");
        }

        IBrowserContext context = await browser.Browser.NewContextAsync();
        try
        {
            IPage page = await context.NewPageAsync();
            await page.GotoAsync(emulator.DashboardUrl.ToString());
            ILocator row = page.Locator($"#keys tr[data-key=\"{acme.Id}\"]");
            await row.WaitForAsync();

            string[] cells = (await row.Locator("th, td").AllInnerTextsAsync()).ToArray();
            Assert.Equal("acme", cells[0]);
            Assert.Equal("openai-compatible", cells[1]);
            Assert.Equal("OpenRouter", cells[2]);
            Assert.Equal("••••7f3a", cells[3]);
            Assert.Equal("unverified", cells[4]);
            Assert.NotEqual("never", cells[5]);
            Assert.Equal("1", cells[6]);
            Assert.Equal("revoked", await page.Locator($"#keys tr[data-key=\"{globex.Id}\"] td").Nth(3).InnerTextAsync());
            // The log entry of the call names the customer's key by reference.
            await page.Locator("#log details summary").First.ClickAsync();
            Assert.Contains("acme (" + acme.Id + ")", await page.Locator("#log details dl").First.InnerTextAsync());
            string html = await page.ContentAsync();
            Assert.DoesNotContain("browser-secret", html);
            Assert.DoesNotContain("globex-secret", html);
        }
        finally
        {
            await context.CloseAsync();
        }
    }
}
