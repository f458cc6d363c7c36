using Microsoft.Playwright;

namespace Tokenlay.Emulator.BrowserTests;

/// <summary>
/// One headless Chromium for the suite: Debian's (`apt-get install chromium`), found at
/// CHROMIUM_PATH or /usr/bin/chromium, launched through Playwright.
/// </summary>
public sealed class DashboardBrowser : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        string path = Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        if (!File.Exists(path))
        {
            throw new InvalidOperationException(
                $"No Chromium at {path}. Install Debian's (apt-get update && apt-get install -y chromium) or set CHROMIUM_PATH; .ci/run does this.");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu"], // CI runs as root, where Chromium's sandbox cannot start
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<DashboardBrowser>
{
    public const string Name = "browser";
}
