using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Tokenlay.Hosting.Tests;

/// <summary>Signs in whoever the X-Test-User header names; stands in for a real identity provider.</summary>
internal sealed class HeaderAuthenticationHandler : AuthenticationHandler<AuthenticationSchemeOptions>
{
    public const string SchemeName = "TestHeader";

    public HeaderAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : base(options, logger, encoder)
    {
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue("X-Test-User", out var user))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var claims = new List<Claim> { new("sub", user.ToString()) };
        if (Request.Headers.TryGetValue("X-Test-Org", out var org))
        {
            // Escaped CR/LF in the test header stand for the raw characters an identity provider could put in a claim.
            claims.Add(new Claim("org_id", org.ToString().Replace("\\r", "\r", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal)));
        }
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }
}

internal static class TestHosts
{
    public static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    public static Dictionary<string, string?> Settings(Uri baseUrl, string key, string providerKey = "sk-hosted-provider-0123456789") => new()
    {
        ["Tokenlay:TokenlayKey"] = key,
        ["Tokenlay:ProviderApiKey"] = providerKey,
        ["Tokenlay:TokenlayBaseUrl"] = baseUrl.ToString(),
        ["Tokenlay:Resilience:BaseDelay"] = "00:00:00.010",
    };

    /// <summary>A container with <c>AddTokenlay</c> bound to the "Tokenlay" section of in-memory settings.</summary>
    public static ServiceProvider Services(Uri baseUrl, Dictionary<string, string?>? extra = null, Action<TokenlayBuilder>? configure = null,
        ILoggerProvider? logs = null, bool health = false)
    {
        Dictionary<string, string?> settings = Settings(baseUrl, Tokenlay.Tests.Infrastructure.TestKeys.Tokenlay, Tokenlay.Tests.Infrastructure.TestKeys.Provider);
        foreach ((string key, string? value) in extra ?? new())
        {
            settings[key] = value;
        }
        IConfigurationRoot configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        if (logs is not null)
        {
            services.AddLogging(l => l.AddProvider(logs));
        }
        TokenlayBuilder builder = services.AddTokenlay(configuration.GetSection("Tokenlay"));
        configure?.Invoke(builder);
        if (health)
        {
            services.AddHealthChecks().AddTokenlay();
        }
        return services.BuildServiceProvider();
    }

    public static async Task<HttpClient> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
    }
}

/// <summary>Collects log lines for assertions.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public List<(LogLevel Level, string Message)> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new ListLogger(this);

    public void Dispose()
    {
    }

    private sealed class ListLogger(ListLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner.Lines)
            {
                owner.Lines.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
